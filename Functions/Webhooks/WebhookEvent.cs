using Functions.Storage;

namespace Functions.Webhooks;

public enum WebhookEventStatus
{
    Received,
    Processed,
    /// <summary>Could not be read (not a payload the provider sends); kept for inspection and replay.</summary>
    Failed,
}

/// <summary>
/// A provider webhook exactly as accepted (its signature checked), kept so nothing acknowledged
/// is lost and so it can be replayed. Rows: table <c>WebhookEvents</c>, PartitionKey = tenant,
/// RowKey = inverted time and id (newest first). The body is stored as binary in 64 KiB parts.
/// </summary>
public sealed record WebhookEvent(
    string Id,
    string Provider,
    DateTimeOffset ReceivedOn,
    Uri PublicUrl,
    string? ContentType,
    byte[] Body,
    WebhookEventStatus Status)
{
    public const string Table = "WebhookEvents";
    public const int MaxBodyBytes = 15 * TableRules.MaxBinaryBytes; // within one entity's 1 MiB

    public int EventCount { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset? ProcessedOn { get; init; }

    public static string NewId(DateTimeOffset now) =>
        $"{DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks:D19}-{Guid.NewGuid():N}";

    /// <summary>Events received before <paramref name="cutoff"/> have ids at or after this one.</summary>
    public static string IdBoundaryFor(DateTimeOffset cutoff) => $"{DateTimeOffset.MaxValue.UtcTicks - cutoff.UtcTicks:D19}";

    public static bool IsValidId(string? id) =>
        id is { Length: 52 } && id[19] == '-' && id[..19].All(char.IsAsciiDigit) && id[20..].All(char.IsAsciiHexDigitLower);

    public TableEntity ToEntity(string tenantId)
    {
        var row = new TableEntity(tenantId, Id)
        {
            ["Provider"] = Provider,
            ["ReceivedOn"] = ReceivedOn,
            ["PublicUrl"] = PublicUrl.OriginalString,
            ["ContentType"] = ContentType,
            ["Status"] = Status.ToString(),
            ["EventCount"] = EventCount,
            ["Error"] = Error,
            ["ProcessedOn"] = ProcessedOn,
            ["BodyParts"] = (Body.Length + TableRules.MaxBinaryBytes - 1) / TableRules.MaxBinaryBytes,
        };
        for (int offset = 0, part = 0; offset < Body.Length; offset += TableRules.MaxBinaryBytes, part++)
        {
            row[$"Body{part}"] = Body[offset..Math.Min(Body.Length, offset + TableRules.MaxBinaryBytes)];
        }
        return row;
    }

    public static WebhookEvent FromEntity(TableEntity e)
    {
        var body = new List<byte>();
        for (var part = 0; part < (e.GetInt32("BodyParts") ?? 0); part++)
        {
            body.AddRange(e.GetBinary($"Body{part}") ?? []);
        }
        return new WebhookEvent(
            e.RowKey,
            e.GetString("Provider") ?? "",
            e.GetDateTimeOffset("ReceivedOn") ?? DateTimeOffset.MinValue,
            new Uri(e.GetString("PublicUrl") ?? "http://localhost/"),
            e.GetString("ContentType"),
            [.. body],
            Enum.TryParse<WebhookEventStatus>(e.GetString("Status"), out var status) ? status : WebhookEventStatus.Received)
        {
            EventCount = e.GetInt32("EventCount") ?? 0,
            Error = e.GetString("Error"),
            ProcessedOn = e.GetDateTimeOffset("ProcessedOn"),
        };
    }
}
