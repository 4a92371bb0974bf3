using System.Globalization;
using System.Text.Json;
using Azure;
using Functions.Hosting;
using Functions.Storage;
using Microsoft.Extensions.Options;

namespace Functions.Events;

/// <summary>
/// Makes one attempt of one delivery. The attempt is claimed on the delivery row (ETag) before
/// the POST and recorded on it after, so a work item delivered twice posts at most once per
/// attempt and records once; a claim left by a worker that stopped mid-attempt is recorded as
/// <see cref="DeliveryAttempt.Interrupted"/> once its lease has run out, and the next attempt
/// follows (receivers de-duplicate by <c>X-Webhook-Id</c>). The work item for the next attempt is
/// queued before the row says so, so no crash can leave a pending delivery without one.
/// <list type="bullet">
/// <item>2xx: delivered.</item>
/// <item>408, 429, 5xx, no answer, time-out: tried again after
/// <see cref="EventsOptions.DelayBefore"/> (at least the receiver's Retry-After), until
/// <see cref="EventsOptions.MaxAttempts"/>; then failed.</item>
/// <item>Any other status (3xx, 4xx): failed at once: the receiver refused it, and the same
/// request would be refused again.</item>
/// </list>
/// </summary>
public sealed class DeliverEventHandler(
    ITableStore tables,
    IQueueStore queues,
    EventSubscriptions subscriptions,
    EventSender sender,
    IOptions<EventsOptions> options,
    TimeProvider time,
    ILogger<DeliverEventHandler> logger) : IQueueFunctionHandler
{
    /// <summary>How long a claimed attempt counts as under way (the time-out and a margin): then it is taken as interrupted.</summary>
    private TimeSpan Lease => options.Value.Timeout + TimeSpan.FromSeconds(30);

    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var work = JsonSerializer.Deserialize<DeliveryWork>(invocation.MessageText, JsonSerializerOptions.Web)
            ?? throw new FormatException("The delivery work item is empty.");
        var partition = EventDelivery.Partition(work.Tenant, work.SubscriptionId);
        if (await tables.GetEntityIfExistsAsync(EventDelivery.Table, partition, work.RowKey, cancellationToken) is not { } row)
        {
            return;
        }
        var delivery = EventDelivery.FromEntity(row);
        if (IsAheadOfRow(work, delivery))
        {
            // Queued just before the row that expects it is written (a redelivery, or the attempt before being recorded):
            // look again shortly rather than drop the only work item. A few times only: a leftover of a failed write stops.
            if (work.Recheck < MaxRechecks)
            {
                await QueueAsync(work with { Recheck = work.Recheck + 1 }, RecheckDelay, cancellationToken);
            }
            return;
        }
        if (delivery.State != DeliveryState.Pending || work.Attempt != delivery.Attempts.Count + 1)
        {
            return; // done, or this attempt was made (and recorded) by another work item
        }
        var now = time.GetUtcNow();
        if (delivery.ClaimedAttempt == work.Attempt && delivery.ClaimedAt is { } claimedAt)
        {
            if (now < claimedAt + Lease)
            {
                // Another work item is making this attempt: look again when its lease is over.
                await QueueAsync(work, claimedAt + Lease - now, cancellationToken);
                return;
            }
            var interrupted = new DeliveryAttempt(work.Attempt, claimedAt, null, 0, DeliveryAttempt.Interrupted, "The attempt did not finish; its outcome is unknown.");
            await RecordAsync(work, row.ETag, delivery, interrupted, retryAfter: null, retryable: true, cancellationToken);
            return;
        }
        if (delivery.NextAttemptAt is { } due && now < due)
        {
            await QueueAsync(work, due - now, cancellationToken); // early (clocks differ): wait for the rest
            return;
        }

        var subscription = await subscriptions.FindAsync(work.Tenant, work.SubscriptionId, cancellationToken);
        if (subscription is null)
        {
            return; // deleted: its deliveries stop
        }
        if (!subscription.Enabled)
        {
            var skipped = new DeliveryAttempt(work.Attempt, now, null, 0, DeliveryAttempt.Failed, "The subscription is disabled.");
            await RecordAsync(work, row.ETag, delivery, skipped, retryAfter: null, retryable: false, cancellationToken);
            return;
        }
        var stored = await tables.GetEntityIfExistsAsync(StoredEvent.Table, work.Tenant, delivery.EventId, cancellationToken);
        if (stored is null)
        {
            return;
        }

        ETag claimed;
        try
        {
            claimed = await tables.ReplaceAsync(EventDelivery.Table, (delivery with { ClaimedAttempt = work.Attempt, ClaimedAt = now }).ToEntity(work.Tenant, work.SubscriptionId),
                row.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsPreconditionFailed(ex) || StorageErrorCodes.IsNotFound(ex))
        {
            return; // another work item claimed it first: that one makes the attempt
        }

        var body = StoredEvent.FromEntity(stored).Body(work.Tenant);
        var timestamp = now.ToUnixTimeSeconds();
        var headers = new Dictionary<string, string>
        {
            [EventSignature.Header] = EventSignature.HeaderValue(subscription.SigningSecrets(now), timestamp, body),
            [EventSignature.IdHeader] = delivery.EventId,
            [EventSignature.TypeHeader] = delivery.Type,
            [EventSignature.AttemptHeader] = work.Attempt.ToString(CultureInfo.InvariantCulture),
        };
        var outcome = await sender.PostAsync(new Uri(subscription.Url), body, headers, options.Value.Timeout, cancellationToken);
        var delivered = outcome.StatusCode is >= 200 and < 300;
        var retryable = !delivered && outcome.StatusCode is null or 408 or 429 or >= 500;
        var attempt = new DeliveryAttempt(work.Attempt, now, outcome.StatusCode, outcome.DurationMs,
            delivered ? DeliveryAttempt.Delivered : retryable && work.Attempt < LastAttempt(delivery) ? DeliveryAttempt.Retry : DeliveryAttempt.Failed,
            outcome.Error ?? (delivered || outcome.StatusCode is null ? null : $"HTTP {outcome.StatusCode}"));
        logger.LogInformation("Event {EventId} to subscription {SubscriptionId}, attempt {Attempt}: {Outcome} ({Status}, {Duration} ms)",
            delivery.EventId, work.SubscriptionId, work.Attempt, attempt.Outcome, outcome.StatusCode, outcome.DurationMs);
        await RecordAsync(work, claimed, delivery, attempt, outcome.RetryAfter, retryable, cancellationToken);
    }

    private async Task RecordAsync(DeliveryWork work, ETag etag, EventDelivery delivery, DeliveryAttempt attempt, TimeSpan? retryAfter, bool retryable, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var attempts = delivery.Attempts.Append(attempt).ToList();
        EventDelivery updated;
        if (attempt.Outcome == DeliveryAttempt.Delivered)
        {
            updated = delivery with { State = DeliveryState.Delivered, Attempts = attempts, NextAttemptAt = null, CompletedOn = now };
        }
        else if (retryable && work.Attempt < LastAttempt(delivery))
        {
            // Counted from the start of this run, so a redelivery goes through the whole schedule again.
            var delay = options.Value.DelayBefore(work.Attempt + 2 - delivery.RunStart, retryAfter);
            if (attempt.Outcome != DeliveryAttempt.Interrupted)
            {
                attempts[^1] = attempt with { Outcome = DeliveryAttempt.Retry };
            }
            updated = delivery with { Attempts = attempts, NextAttemptAt = now + delay };
            // First the work item, then the row that expects it: a crash between leaves an extra work item, never none.
            await QueueAsync(work with { Attempt = work.Attempt + 1, Recheck = 0 }, delay, cancellationToken);
        }
        else
        {
            if (attempt.Outcome != DeliveryAttempt.Interrupted)
            {
                attempts[^1] = attempt with { Outcome = DeliveryAttempt.Failed };
            }
            updated = delivery with { State = DeliveryState.Failed, Attempts = attempts, NextAttemptAt = null, CompletedOn = now };
        }
        updated = updated with { ClaimedAttempt = null, ClaimedAt = null };
        try
        {
            await tables.ReplaceAsync(EventDelivery.Table, updated.ToEntity(work.Tenant, work.SubscriptionId), etag, cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsPreconditionFailed(ex) || StorageErrorCodes.IsNotFound(ex))
        {
            // Recorded by another work item (or gone with its subscription): once is enough.
        }
    }

    private const int MaxRechecks = 3;
    private static readonly TimeSpan RecheckDelay = TimeSpan.FromSeconds(5);

    private static bool IsAheadOfRow(DeliveryWork work, EventDelivery delivery) =>
        (delivery.State != DeliveryState.Pending && work.Attempt == delivery.Attempts.Count + 1)
        || (delivery.State == DeliveryState.Pending && work.Attempt == delivery.Attempts.Count + 2 && delivery.ClaimedAttempt == work.Attempt - 1);

    private int LastAttempt(EventDelivery delivery) => delivery.RunStart - 1 + options.Value.MaxAttempts;

    private Task QueueAsync(DeliveryWork work, TimeSpan delay, CancellationToken cancellationToken)
    {
        var capped = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > QueueRules.MaxVisibility ? QueueRules.MaxVisibility : delay;
        return queues.SendAsync(FanOutEventHandler.DeliveryQueue, JsonSerializer.Serialize(work, JsonSerializerOptions.Web),
            visibilityDelay: capped, timeToLive: capped + TimeSpan.FromDays(1), cancellationToken: cancellationToken);
    }
}
