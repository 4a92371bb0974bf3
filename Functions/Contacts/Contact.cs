using System.Text.Json;
using Functions.Storage;

namespace Functions.Contacts;

public enum ConsentPurpose
{
    /// <summary>Promotions and broadcasts: only with an explicit opt-in.</summary>
    Marketing,
    /// <summary>Order updates, reminders, service: allowed unless the customer opted out.</summary>
    Utility,
}

public enum ConsentState
{
    Unknown,
    OptedIn,
    OptedOut,
}

/// <summary>
/// A tenant's customer, by E.164 phone number. The name is the tenant's; the profile name is
/// what WhatsApp shows, taken from webhooks. Consent is kept per purpose with its history (the
/// ledger). Rows: table <c>Contacts</c>, PartitionKey = tenant, RowKey <c>c:&lt;phone&gt;</c>; the
/// ledger sits in the same partition (<c>l:&lt;phone&gt;:&lt;inverted time&gt;</c>), so a consent
/// change and its evidence are written in one transaction.
/// </summary>
public sealed record Contact(
    string Phone,
    string? Name,
    string? ProfileName,
    string? Language,
    IReadOnlyDictionary<string, string> Attributes,
    ConsentState Marketing,
    ConsentState Utility,
    DateTimeOffset CreatedOn,
    DateTimeOffset UpdatedOn)
{
    public const string Table = "Contacts";

    /// <summary>When the marketing consent last changed (the customer's time); a later record wins, an older one only joins the ledger.</summary>
    public DateTimeOffset? MarketingChangedAt { get; init; }

    public DateTimeOffset? UtilityChangedAt { get; init; }
    public const int MaxAttributes = 50;
    public const int MaxAttributeKey = 64;
    public const int MaxAttributeValue = 1024;

    /// <summary>All attributes together, as stored JSON, fit one Table Storage string property.</summary>
    public const int MaxAttributesJson = 30_000;

    public static string RowKey(string phone) => "c:" + phone;

    /// <summary>Whether a message for <paramref name="purpose"/> may go to this contact now.</summary>
    public bool MayReceive(ConsentPurpose purpose) => purpose == ConsentPurpose.Marketing
        ? Marketing == ConsentState.OptedIn
        : Utility != ConsentState.OptedOut;

    public TableEntity ToEntity(string tenantId) => new(tenantId, RowKey(Phone))
    {
        ["Phone"] = Phone,
        ["Name"] = Name,
        ["ProfileName"] = ProfileName,
        ["Language"] = Language,
        ["Attributes"] = JsonSerializer.Serialize(Attributes),
        ["Marketing"] = Marketing.ToString(),
        ["Utility"] = Utility.ToString(),
        ["CreatedOn"] = CreatedOn,
        ["UpdatedOn"] = UpdatedOn,
        ["MarketingChangedAt"] = MarketingChangedAt,
        ["UtilityChangedAt"] = UtilityChangedAt,
    };

    public static Contact FromEntity(TableEntity e) => new(
        e.GetString("Phone") ?? e.RowKey[2..],
        e.GetString("Name"),
        e.GetString("ProfileName"),
        e.GetString("Language"),
        e.GetString("Attributes") is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : new Dictionary<string, string>(),
        Enum.TryParse<ConsentState>(e.GetString("Marketing"), out var marketing) ? marketing : ConsentState.Unknown,
        Enum.TryParse<ConsentState>(e.GetString("Utility"), out var utility) ? utility : ConsentState.Unknown,
        e.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("UpdatedOn") ?? DateTimeOffset.MinValue)
    {
        MarketingChangedAt = e.GetDateTimeOffset("MarketingChangedAt"),
        UtilityChangedAt = e.GetDateTimeOffset("UtilityChangedAt"),
    };

    /// <summary>This contact with <paramref name="record"/> applied: the state changes only if the record is the newest.</summary>
    public Contact With(ConsentRecord record) => record.Purpose == ConsentPurpose.Marketing
        ? (MarketingChangedAt is { } m && m > record.At ? this : this with { Marketing = record.State, MarketingChangedAt = record.At })
        : (UtilityChangedAt is { } u && u > record.At ? this : this with { Utility = record.State, UtilityChangedAt = record.At });

    public static Contact New(string phone, DateTimeOffset now) =>
        new(phone, null, null, null, new Dictionary<string, string>(), ConsentState.Unknown, ConsentState.Unknown, now, now);
}

/// <summary>One consent change: who opted in or out of what, when, how, and the evidence.</summary>
public sealed record ConsentRecord(
    ConsentPurpose Purpose,
    ConsentState State,
    string Source,
    string? Evidence,
    DateTimeOffset At)
{
    /// <summary>
    /// Names this change so recording it twice (a redelivered webhook) keeps one ledger row; a
    /// new id is used when there is none.
    /// </summary>
    public string? IdempotencyKey { get; init; }
    /// <summary>Where consent changes come from.</summary>
    public static class Sources
    {
        public const string Api = "api";
        public const string Keyword = "keyword";
        public const string OrderSystem = "order-system";
        public const string Import = "import";
    }

    public static string RowKeyPrefix(string phone) => $"l:{phone}:";

    public TableEntity ToEntity(string tenantId, string phone) =>
        new(tenantId, $"{RowKeyPrefix(phone)}{DateTimeOffset.MaxValue.UtcTicks - At.UtcTicks:D19}:{Purpose}:{IdempotencyKey ?? Guid.NewGuid().ToString("N")}")
        {
            ["Purpose"] = Purpose.ToString(),
            ["State"] = State.ToString(),
            ["Source"] = Source,
            ["Evidence"] = Evidence,
            ["At"] = At,
        };

    public static ConsentRecord FromEntity(TableEntity e) => new(
        Enum.TryParse<ConsentPurpose>(e.GetString("Purpose"), out var purpose) ? purpose : ConsentPurpose.Marketing,
        Enum.TryParse<ConsentState>(e.GetString("State"), out var state) ? state : ConsentState.Unknown,
        e.GetString("Source") ?? "",
        e.GetString("Evidence"),
        e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue);
}
