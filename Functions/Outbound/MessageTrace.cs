using Functions.Channels;
using Functions.Storage;

namespace Functions.Outbound;

/// <summary>
/// One step in a message's life, for the people who ask "what happened to my message?":
/// accepted, queued, each provider request and its answer, retries, each status callback.
/// Never the message body or the full phone number.
/// </summary>
public sealed record TraceEntry(DateTimeOffset At, string Step, string Detail)
{
    public int? Attempt { get; init; }
    public int? HttpStatus { get; init; }
    public string? ProviderCode { get; init; }
    public DeliveryStatus? Status { get; init; }

    public static class Steps
    {
        public const string Accepted = "accepted";
        public const string Queued = "queued";
        public const string Deferred = "deferred";
        public const string Request = "provider-request";
        public const string Answer = "provider-answer";
        public const string RetryScheduled = "retry-scheduled";
        public const string OutcomeUnknown = "outcome-unknown";
        public const string Failed = "failed";
        public const string StatusCallback = "status-callback";
    }
}

/// <summary>
/// Rows: table <c>MessageTrace</c>, PartitionKey <c>&lt;tenant&gt;|&lt;message&gt;</c>, RowKey a key
/// that follows from the step (the attempt number, the callback's status and time), so a step
/// done again after a crash or a redelivered callback writes the same row, not a second one.
/// </summary>
public sealed class MessageTrace(ITableStore tables)
{
    public const string Table = "MessageTrace";

    public Task RecordAsync(string tenantId, string messageId, string key, TraceEntry entry, CancellationToken cancellationToken) =>
        tables.UpsertAsync(Table, new TableEntity($"{tenantId}|{messageId}", key)
        {
            ["At"] = entry.At,
            ["Step"] = entry.Step,
            ["Detail"] = entry.Detail,
            ["Attempt"] = entry.Attempt,
            ["HttpStatus"] = entry.HttpStatus,
            ["ProviderCode"] = entry.ProviderCode,
            ["Status"] = entry.Status?.ToString(),
        }, cancellationToken: cancellationToken);

    public async Task<bool> HasAsync(string tenantId, string messageId, string key, CancellationToken cancellationToken) =>
        await tables.GetEntityIfExistsAsync(Table, $"{tenantId}|{messageId}", key, cancellationToken) is not null;

    /// <summary>The message's trace in time order.</summary>
    public async Task<IReadOnlyList<TraceEntry>> ReadAsync(string tenantId, string messageId, CancellationToken cancellationToken)
    {
        var rows = await tables.QueryAllAsync(Table, new TableQuery($"{tenantId}|{messageId}"), cancellationToken);
        return [.. rows
            .Select(e => (Key: e.RowKey, Entry: new TraceEntry(e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue, e.GetString("Step") ?? "", e.GetString("Detail") ?? "")
            {
                Attempt = e.GetInt32("Attempt"),
                HttpStatus = e.GetInt32("HttpStatus"),
                ProviderCode = e.GetString("ProviderCode"),
                Status = Enum.TryParse<DeliveryStatus>(e.GetString("Status"), out var status) ? status : null,
            }))
            .OrderBy(t => t.Entry.At).ThenBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => t.Entry)];
    }
}
