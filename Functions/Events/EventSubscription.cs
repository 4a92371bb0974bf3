using System.Security.Cryptography;
using Functions.Storage;

namespace Functions.Events;

/// <summary>
/// A tenant's webhook: where its events go, which types (empty: all), whether it is on, and the
/// secret that signs them. After a rotation the previous secret also signs for a day, so a
/// receiver can switch without missing events. Rows: table <c>EventSubscriptions</c>,
/// PartitionKey = tenant, RowKey = id. The secret is kept as is (it must sign); the API shows it
/// once, when it is made.
/// </summary>
public sealed record EventSubscription(
    string Id,
    string Url,
    IReadOnlyList<string> Types,
    bool Enabled,
    string? Description,
    string Secret,
    DateTimeOffset CreatedOn,
    DateTimeOffset UpdatedOn)
{
    public const string Table = "EventSubscriptions";
    public const int MaxPerTenant = 10;

    /// <summary>How long a rotated-out secret keeps signing alongside the new one.</summary>
    public static readonly TimeSpan PreviousSecretLifetime = TimeSpan.FromDays(1);

    public string? PreviousSecret { get; init; }

    public DateTimeOffset? PreviousSecretExpiresOn { get; init; }

    /// <summary>
    /// When it was deleted: it is gone for the API, the fan-out and pending deliveries at once; the
    /// purge timer removes its delivery log and then the row (a log can be too long to remove in a request).
    /// </summary>
    public DateTimeOffset? DeletedOn { get; init; }

    public bool Wants(string type) => Enabled && (Types.Count == 0 || Types.Contains(type, StringComparer.Ordinal));

    /// <summary>The secrets that sign now: the current one, and the previous one during its grace day.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretExpiresOn > now ? [Secret, previous] : [Secret];

    public static string NewId() => "sub_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static bool IsValidId(string? id) =>
        id is { Length: 28 } && id.StartsWith("sub_", StringComparison.Ordinal) && !id.AsSpan(4).ContainsAnyExcept("0123456789abcdef");

    /// <summary>A new signing secret: <c>whsec_</c> and 64 hex digits (32 random bytes). Receivers use the whole string as the HMAC key.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public TableEntity ToEntity(string tenantId) => new(tenantId, Id)
    {
        ["Url"] = Url,
        ["Types"] = string.Join(',', Types),
        ["Enabled"] = Enabled,
        ["Description"] = Description,
        ["Secret"] = Secret,
        ["PreviousSecret"] = PreviousSecret,
        ["PreviousSecretExpiresOn"] = PreviousSecretExpiresOn,
        ["DeletedOn"] = DeletedOn,
        ["CreatedOn"] = CreatedOn,
        ["UpdatedOn"] = UpdatedOn,
    };

    public static EventSubscription FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("Url") ?? "",
        (e.GetString("Types") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
        e.GetBoolean("Enabled") ?? false,
        e.GetString("Description"),
        e.GetString("Secret") ?? "",
        e.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("UpdatedOn") ?? DateTimeOffset.MinValue)
    {
        PreviousSecret = e.GetString("PreviousSecret"),
        PreviousSecretExpiresOn = e.GetDateTimeOffset("PreviousSecretExpiresOn"),
        DeletedOn = e.GetDateTimeOffset("DeletedOn"),
    };

    /// <summary>What the API shows: never the secret, only its first characters to tell secrets apart.</summary>
    public SubscriptionView ToView() => new(Id, Url, Types.Count == 0 ? ["*"] : Types, Enabled, Description, Secret[..Math.Min(Secret.Length, 10)] + "…", CreatedOn, UpdatedOn);

    /// <summary>Never the secrets, whatever logs this.</summary>
    public override string ToString() => $"EventSubscription({Id})";
}

/// <summary>A subscription as the API shows it; <see cref="Types"/> is <c>["*"]</c> for all.</summary>
public sealed record SubscriptionView(
    string Id, string Url, IReadOnlyList<string> Types, bool Enabled, string? Description, string SecretPrefix, DateTimeOffset CreatedOn, DateTimeOffset UpdatedOn);

/// <summary>A new subscription, or one whose secret was rotated: <see cref="Secret"/> is shown this once.</summary>
public sealed record SubscriptionWithSecret(SubscriptionView Subscription, string Secret)
{
    /// <summary>Never the secret, whatever logs this.</summary>
    public override string ToString() => $"SubscriptionWithSecret({Subscription.Id})";
}
