using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Functions.Storage;

namespace Functions.Events;

/// <summary>The queue message a publish writes: the whole event, so publishing is one durable write.</summary>
public sealed record EventWork(string Tenant, string Id, string Type, DateTimeOffset At, JsonElement Data);

/// <summary>
/// Publishes a tenant's outgoing events. A publish is one queue message holding the event
/// (durable once this returns); a fan-out function then stores it and queues one delivery per
/// matching subscription, so the publishing path never waits for a subscriber's server.
/// Callers that may run again for the same fact (a redelivered webhook, a repeated timer) pass an
/// idempotency key: the event id then follows from it, and the fan-out stores and delivers an
/// event id once, however often it is published.
/// </summary>
public sealed class TenantEvents(IQueueStore queues, TimeProvider time)
{
    public const string Queue = "events-publish";

    /// <summary>The largest event data accepted (its JSON), so the event fits in one queue message.</summary>
    public const int MaxDataBytes = 32 * 1024;

    /// <summary>The API's JSON conventions (camelCase, enums as camelCase words), so event data reads like the API.</summary>
    public static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Publishes a new event (a fresh id each call).</summary>
    public Task<string> PublishAsync(string tenantId, string type, object data, CancellationToken cancellationToken) =>
        PublishAsync(tenantId, type, data, idempotencyKey: null, cancellationToken);

    /// <summary>
    /// Publishes an event whose id follows from <paramref name="idempotencyKey"/> (with the tenant
    /// and type): publishing the same fact again is delivered once. Returns the event id.
    /// </summary>
    public async Task<string> PublishAsync(string tenantId, string type, object data, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentNullException.ThrowIfNull(data);
        if (!EventTypes.IsKnown(type))
        {
            throw new ArgumentException($"Unknown event type '{type}'.", nameof(type));
        }
        var element = JsonSerializer.SerializeToElement(data, data.GetType(), DataJson);
        if (element.GetRawText().Length > MaxDataBytes)
        {
            throw new ArgumentException($"Event data is larger than {MaxDataBytes} characters of JSON.", nameof(data));
        }
        var id = idempotencyKey is null ? NewId() : IdFor(tenantId, type, idempotencyKey);
        var work = new EventWork(tenantId, id, type, time.GetUtcNow(), element);
        await queues.SendAsync(Queue, JsonSerializer.Serialize(work, JsonSerializerOptions.Web), cancellationToken: cancellationToken);
        return id;
    }

    /// <summary>The event id a publish with this key gets: <c>evt_</c> and 32 hex digits.</summary>
    public static string IdFor(string tenantId, string type, string idempotencyKey) =>
        "evt_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId + "\n" + type + "\n" + idempotencyKey)))[..32];

    private static string NewId() => "evt_" + Guid.NewGuid().ToString("N");

    public static bool IsValidId(string? id) =>
        id is { Length: 36 } && id.StartsWith("evt_", StringComparison.Ordinal) && id.AsSpan(4).ContainsAnyExcept("0123456789abcdef") is false;
}
