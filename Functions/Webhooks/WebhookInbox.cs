using System.Text.Json;
using Functions.Storage;

namespace Functions.Webhooks;

/// <summary>The queue message that asks for one stored webhook event to be processed.</summary>
public sealed record WebhookWork(string Tenant, string EventId);

/// <summary>
/// Accepts verified webhooks: the raw event is stored first, then a work item is queued, and only
/// then is the provider answered 200. A failure before that answers 5xx, so the provider retries;
/// processing is idempotent, so a retried webhook stored twice has the effect of once.
/// </summary>
public sealed class WebhookInbox(ITableStore tables, IQueueStore queues, TimeProvider time)
{
    public const string Queue = "webhook-events";

    public Task<WebhookEvent> AcceptAsync(string tenantId, string provider, Uri publicUrl, string? contentType, byte[] body, CancellationToken cancellationToken) =>
        AcceptAsync(tenantId, provider, publicUrl, contentType, body, visibilityDelay: null, cancellationToken);

    /// <summary>
    /// Stores the event now and queues its processing to start after <paramref name="visibilityDelay"/>
    /// (0 to 7 days; null: at once). The sandbox provider schedules its later statuses this way.
    /// </summary>
    public async Task<WebhookEvent> AcceptAsync(
        string tenantId, string provider, Uri publicUrl, string? contentType, byte[] body, TimeSpan? visibilityDelay, CancellationToken cancellationToken)
    {
        QueueRules.ValidateSend(visibilityDelay, timeToLive: null); // before anything is stored
        var now = time.GetUtcNow();
        var received = new WebhookEvent(WebhookEvent.NewId(now), provider, now, publicUrl, contentType, body, WebhookEventStatus.Received);
        await tables.InsertAsync(WebhookEvent.Table, received.ToEntity(tenantId), cancellationToken);
        await EnqueueAsync(tenantId, received.Id, visibilityDelay, cancellationToken);
        return received;
    }

    public Task EnqueueAsync(string tenantId, string eventId, CancellationToken cancellationToken) =>
        EnqueueAsync(tenantId, eventId, visibilityDelay: null, cancellationToken);

    /// <summary>Queues the stored event's processing, to start after <paramref name="visibilityDelay"/> (0 to 7 days; null: at once).</summary>
    public Task EnqueueAsync(string tenantId, string eventId, TimeSpan? visibilityDelay, CancellationToken cancellationToken) =>
        queues.SendAsync(Queue, JsonSerializer.Serialize(new WebhookWork(tenantId, eventId), JsonSerializerOptions.Web),
            visibilityDelay: visibilityDelay, cancellationToken: cancellationToken);

    public async Task<WebhookEvent?> FindAsync(string tenantId, string eventId, CancellationToken cancellationToken) =>
        WebhookEvent.IsValidId(eventId) && await tables.GetEntityIfExistsAsync(WebhookEvent.Table, tenantId, eventId, cancellationToken) is { } row
            ? WebhookEvent.FromEntity(row)
            : null;

    public async Task<(IReadOnlyList<WebhookEvent> Events, string? ContinuationToken)> ListAsync(
        string tenantId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await tables.QueryAsync(WebhookEvent.Table, new TableQuery(tenantId) { Top = pageSize }, continuationToken, cancellationToken);
        return (page.Entities.Select(WebhookEvent.FromEntity).ToList(), page.ContinuationToken);
    }

    public Task MarkAsync(string tenantId, WebhookEvent processed, CancellationToken cancellationToken) =>
        tables.MergeAsync(WebhookEvent.Table, new TableEntity(tenantId, processed.Id)
        {
            ["Status"] = processed.Status.ToString(),
            ["EventCount"] = processed.EventCount,
            ["Error"] = processed.Error,
            ["ProcessedOn"] = processed.ProcessedOn,
        }, Azure.ETag.All, cancellationToken);
}
