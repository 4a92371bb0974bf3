using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Functions.Storage;

namespace Functions.Events;

/// <summary>The data of an event whose own data was too large to send.</summary>
public sealed record OmittedData(bool Omitted, string Reason);

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

    /// <summary>The largest event data sent (characters of JSON), so an event fits in one queue message and one table property.</summary>
    public const int MaxDataChars = 30_000;

    private const int MaxDataUtf8Bytes = 40_000;

    /// <summary>
    /// The API's JSON conventions (camelCase, enums as camelCase words), so event data reads like
    /// the API; text stays as it is (no \u escapes for non-ASCII), since events are JSON over HTTP, never HTML.
    /// </summary>
    public static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
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
        var json = element.GetRawText();
        if (json.Length > MaxDataChars || Encoding.UTF8.GetByteCount(json) > MaxDataUtf8Bytes)
        {
            // Never fail the path that publishes (a webhook, a timer): the event goes out, saying what is missing.
            element = JsonSerializer.SerializeToElement(new OmittedData(true, $"The event's data was {json.Length:N0} characters of JSON, more than an event carries; read it through the API."), DataJson);
        }
        var id = idempotencyKey is null ? NewId() : IdFor(tenantId, type, idempotencyKey);
        var work = new EventWork(tenantId, id, type, time.GetUtcNow(), element);
        await queues.SendAsync(Queue, JsonSerializer.Serialize(work, DataJson), cancellationToken: cancellationToken);
        return id;
    }

    /// <summary>The event id a publish with this key gets: <c>evt_</c> and 32 hex digits.</summary>
    public static string IdFor(string tenantId, string type, string idempotencyKey) =>
        "evt_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId + "\n" + type + "\n" + idempotencyKey)))[..32];

    private static string NewId() => "evt_" + Guid.NewGuid().ToString("N");

    public static bool IsValidId(string? id) =>
        id is { Length: 36 } && id.StartsWith("evt_", StringComparison.Ordinal) && id.AsSpan(4).ContainsAnyExcept("0123456789abcdef") is false;
}
