using System.Text.Json;
using System.Text.RegularExpressions;
using Functions.Storage;

namespace Functions.Tenants;

/// <summary>
/// A company using the product: its WhatsApp sender (provider and credentials) and defaults.
/// The id is the tenant's slug: lowercase letters, digits and hyphens, fixed at creation.
/// Rows: table <c>Tenants</c>, PartitionKey "tenant", RowKey = id.
/// </summary>
public sealed partial record Tenant(
    string Id,
    string Name,
    string TimeZone,
    string DefaultLanguage,
    string? DefaultCountryCode,
    string? PublicBaseUrl,
    ProviderSettings Provider,
    DateTimeOffset CreatedOn,
    DateTimeOffset UpdatedOn)
{
    public const string Table = "Tenants";
    public const string Partition = "tenant";

    /// <summary>The tenant's own consent keywords and confirmation replies.</summary>
    public ConsentSettings Consent { get; init; } = ConsentSettings.Default;

    /// <summary>How long a conversation may sit idle (no message either way) before it is archived; null: never (the default).</summary>
    public TimeSpan? AutoArchiveAfter { get; init; }

    public static readonly TimeSpan MinAutoArchiveAfter = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxAutoArchiveAfter = TimeSpan.FromDays(365);

    /// <summary>The row's column for <see cref="AutoArchiveAfter"/>, in whole seconds (absent: off), so the timer can filter on it.</summary>
    public const string AutoArchiveColumn = "AutoArchiveAfterSeconds";

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public TableEntity ToEntity() => new(Partition, Id)
    {
        ["Name"] = Name,
        ["TimeZone"] = TimeZone,
        ["DefaultLanguage"] = DefaultLanguage,
        ["DefaultCountryCode"] = DefaultCountryCode,
        ["PublicBaseUrl"] = PublicBaseUrl,
        ["ProviderType"] = Provider.Type,
        // Credentials stay in the row (Table Storage encrypts at rest); the API never returns them.
        ["Provider"] = JsonSerializer.Serialize(Provider),
        ["Consent"] = Consent.ToJson(),
        [AutoArchiveColumn] = AutoArchiveAfter is { } after ? (long)after.TotalSeconds : null,
        ["CreatedOn"] = CreatedOn,
        ["UpdatedOn"] = UpdatedOn,
    };

    public static Tenant FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("Name") ?? "",
        e.GetString("TimeZone") ?? "UTC",
        e.GetString("DefaultLanguage") ?? "en",
        e.GetString("DefaultCountryCode"),
        e.GetString("PublicBaseUrl"),
        e.GetString("Provider") is { } json ? JsonSerializer.Deserialize<ProviderSettings>(json) ?? ProviderSettings.Sandbox : ProviderSettings.Sandbox,
        e.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("UpdatedOn") ?? DateTimeOffset.MinValue)
    {
        // Rows written before tenants had consent settings have no column.
        Consent = e.GetString("Consent") is { } consent ? ConsentSettings.FromJson(consent) : ConsentSettings.Default,
        AutoArchiveAfter = e.GetInt64(AutoArchiveColumn) is { } seconds && seconds > 0 ? TimeSpan.FromSeconds(seconds) : null,
    };

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$")]
    private static partial Regex IdPattern();
}

/// <summary>
/// How a tenant reaches WhatsApp: <c>sandbox</c> (no account; nothing leaves the app),
/// <c>twilio</c> or <c>meta</c> (WhatsApp Cloud API), with that provider's fields. Secrets
/// (auth token, API key secret, access token, app secret, verify token) are write-only. Meta's
/// optional <see cref="AppId"/> (the Meta app's id, not a secret) lets templates with an image,
/// video or document header upload their example file with the Resumable Upload API.
/// </summary>
public sealed record ProviderSettings(
    string Type,
    string? AccountSid = null,
    string? AuthToken = null,
    string? ApiKeySid = null,
    string? ApiKeySecret = null,
    string? From = null,
    string? MessagingServiceSid = null,
    string? PhoneNumberId = null,
    string? BusinessAccountId = null,
    string? AccessToken = null,
    string? AppSecret = null,
    string? VerifyToken = null,
    string? AppId = null)
{
    public const string SandboxType = "sandbox";
    public const string TwilioType = "twilio";
    public const string MetaType = "meta";

    public static ProviderSettings Sandbox { get; } = new(SandboxType);

    /// <summary>What the API shows: identifiers, and only whether each secret is set.</summary>
    public ProviderView ToView() => new(
        Type, AccountSid, From, MessagingServiceSid, ApiKeySid, PhoneNumberId, BusinessAccountId,
        HasAuthToken: AuthToken is not null, HasApiKeySecret: ApiKeySecret is not null, HasAccessToken: AccessToken is not null,
        HasAppSecret: AppSecret is not null, HasVerifyToken: VerifyToken is not null, AppId: AppId);

    /// <summary>
    /// These settings updated by <paramref name="change"/>: fields it gives replace ours; secrets it
    /// leaves out are kept while they still belong to the same account or key (they cannot be read
    /// back to resend), and dropped when the account SID or API key SID changes, so validation
    /// asks for the new ones.
    /// </summary>
    public ProviderSettings Apply(ProviderSettings change) => change.Type != Type ? change : new(
        Type,
        change.AccountSid ?? AccountSid,
        change.AuthToken ?? (change.AccountSid is null || change.AccountSid == AccountSid ? AuthToken : null),
        change.ApiKeySid ?? ApiKeySid,
        change.ApiKeySecret ?? (change.ApiKeySid is null || change.ApiKeySid == ApiKeySid ? ApiKeySecret : null),
        change.From ?? From,
        change.MessagingServiceSid ?? MessagingServiceSid,
        change.PhoneNumberId ?? PhoneNumberId,
        change.BusinessAccountId ?? BusinessAccountId,
        change.AccessToken ?? AccessToken, // a business account's token, not tied to one phone number
        change.AppSecret ?? AppSecret,
        change.VerifyToken ?? VerifyToken,
        change.AppId ?? AppId);

    /// <summary>The sender number in E.164, as providers take it (people write it with spaces).</summary>
    public ProviderSettings Normalized() =>
        From is not null && Contacts.PhoneNumbers.TryNormalize(From, null, out var e164, out _) ? this with { From = e164 } : this;

    /// <summary>Never the secrets, whatever logs this.</summary>
    public override string ToString() => $"ProviderSettings({Type})";
}

public sealed record ProviderView(
    string Type,
    string? AccountSid,
    string? From,
    string? MessagingServiceSid,
    string? ApiKeySid,
    string? PhoneNumberId,
    string? BusinessAccountId,
    bool HasAuthToken,
    bool HasApiKeySecret,
    bool HasAccessToken,
    bool HasAppSecret,
    bool HasVerifyToken,
    string? AppId = null);
