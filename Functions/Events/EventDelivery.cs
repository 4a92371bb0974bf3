using System.Text.Json;
using Functions.Storage;

namespace Functions.Events;

public enum DeliveryState
{
    /// <summary>Not delivered yet: an attempt is due at <see cref="EventDelivery.NextAttemptAt"/>.</summary>
    Pending,
    /// <summary>The receiver answered 2xx.</summary>
    Delivered,
    /// <summary>Given up: a 4xx other than 408 and 429, all attempts used up, or the subscription was disabled.</summary>
    Failed,
}

/// <summary>One POST to a subscriber and how it went.</summary>
public sealed record DeliveryAttempt(int Attempt, DateTimeOffset At, int? StatusCode, long DurationMs, string Outcome, string? Error = null)
{
    public const string Delivered = "delivered";
    public const string Retry = "retry";
    public const string Failed = "failed";

    /// <summary>The worker stopped during the attempt (its outcome is unknown); the next attempt is made, this one is never repeated.</summary>
    public const string Interrupted = "interrupted";
}

/// <summary>
/// One event on its way to one subscription: its state, its attempts (at most
/// <see cref="EventsOptions.MaxAttempts"/>, kept in the row) and the claim of the attempt under
/// way, so a work item delivered twice posts once. Rows: table <c>EventDeliveries</c>,
/// PartitionKey <c>&lt;tenant&gt;|&lt;subscription&gt;</c>, RowKey inverted event time and event id
/// (newest first in the log, and the same key however often the event is fanned out).
/// </summary>
public sealed record EventDelivery(
    string EventId,
    string Type,
    DateTimeOffset EventAt,
    DeliveryState State,
    IReadOnlyList<DeliveryAttempt> Attempts,
    DateTimeOffset? NextAttemptAt)
{
    public const string Table = "EventDeliveries";

    public int? ClaimedAttempt { get; init; }

    public DateTimeOffset? ClaimedAt { get; init; }

    public DateTimeOffset? CompletedOn { get; init; }

    /// <summary>The first attempt of the current run: 1, or the attempt a redelivery started with (its back-off and limit count from there).</summary>
    public int RunStart { get; init; } = 1;

    public static string Partition(string tenantId, string subscriptionId) => $"{tenantId}|{subscriptionId}";

    public static string RowKeyFor(DateTimeOffset eventAt, string eventId) => $"{DateTimeOffset.MaxValue.UtcTicks - eventAt.UtcTicks:D19}:{eventId}";

    public string RowKey => RowKeyFor(EventAt, EventId);

    public TableEntity ToEntity(string tenantId, string subscriptionId) => new(Partition(tenantId, subscriptionId), RowKey)
    {
        ["EventId"] = EventId,
        ["Type"] = Type,
        ["EventAt"] = EventAt,
        ["State"] = State.ToString(),
        ["AttemptCount"] = Attempts.Count,
        ["Attempts"] = JsonSerializer.Serialize(Attempts, JsonSerializerOptions.Web),
        ["NextAttemptAt"] = NextAttemptAt,
        ["ClaimedAttempt"] = ClaimedAttempt,
        ["ClaimedAt"] = ClaimedAt,
        ["CompletedOn"] = CompletedOn,
        ["RunStart"] = RunStart,
    };

    public static EventDelivery FromEntity(TableEntity e) => new(
        e.GetString("EventId") ?? "",
        e.GetString("Type") ?? "",
        e.GetDateTimeOffset("EventAt") ?? DateTimeOffset.MinValue,
        Enum.TryParse<DeliveryState>(e.GetString("State"), out var state) ? state : DeliveryState.Pending,
        e.GetString("Attempts") is { } json ? JsonSerializer.Deserialize<List<DeliveryAttempt>>(json, JsonSerializerOptions.Web) ?? [] : [],
        e.GetDateTimeOffset("NextAttemptAt"))
    {
        ClaimedAttempt = e.GetInt32("ClaimedAttempt"),
        ClaimedAt = e.GetDateTimeOffset("ClaimedAt"),
        CompletedOn = e.GetDateTimeOffset("CompletedOn"),
        RunStart = e.GetInt32("RunStart") ?? 1,
    };

    public DeliveryView ToView() => new(EventId, Type, EventAt, State.ToString().ToLowerInvariant(), Attempts.Count, Attempts,
        State == DeliveryState.Pending ? NextAttemptAt : null, CompletedOn);
}

/// <summary>A delivery in the log: the event, its state, every attempt (time, HTTP status, duration, outcome) and when the next one is due.</summary>
public sealed record DeliveryView(
    string EventId, string Type, DateTimeOffset EventAt, string Status, int AttemptCount, IReadOnlyList<DeliveryAttempt> Attempts,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? CompletedOn);

public sealed record DeliveryPage(IReadOnlyList<DeliveryView> Deliveries, string? ContinuationToken);

/// <summary>An event as stored by the fan-out: what every delivery of it posts. Rows: table <c>Events</c>, PartitionKey = tenant, RowKey = event id.</summary>
public sealed record StoredEvent(string Id, string Type, DateTimeOffset At, string DataJson, bool FannedOut)
{
    public const string Table = "Events";

    public TableEntity ToEntity(string tenantId) => new(tenantId, Id)
    {
        ["Type"] = Type,
        ["At"] = At,
        ["Data"] = DataJson,
        ["FannedOut"] = FannedOut,
    };

    public static StoredEvent FromEntity(TableEntity e) => new(
        e.RowKey, e.GetString("Type") ?? "", e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue, e.GetString("Data") ?? "{}", e.GetBoolean("FannedOut") ?? false);

    /// <summary>
    /// The JSON every attempt posts, the same bytes each time:
    /// <c>{"id","type","createdAt","tenant","data"}</c>.
    /// </summary>
    public byte[] Body(string tenantId)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", Id);
            json.WriteString("type", Type);
            json.WriteString("createdAt", At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("tenant", tenantId);
            json.WritePropertyName("data");
            json.WriteRawValue(DataJson, skipInputValidation: false);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
