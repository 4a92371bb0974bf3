using Functions.Hosting;
using Functions.Tenants;

namespace Functions.Orders;

/// <summary>
/// Every 5 minutes: finishes the notification of each order event that was recorded but never
/// settled (the request stopped in between, and the order system did not send the event again).
/// It does what a retry of the event would: <see cref="OrderNotifications.NotifyAsync"/>, whose
/// message is accepted under the event's Idempotency-Key, so a request or retry that got there
/// first is not sent twice. Only events received more than <see cref="Grace"/> ago are touched, so
/// requests still at work finish their own.
/// </summary>
public sealed class PendingNotificationsTimer(
    TenantDirectory tenants, OrderStore orders, OrderNotifications notifications, TimeProvider time, ILogger<PendingNotificationsTimer> logger)
    : ITimerFunctionHandler
{
    public const string Schedule = "0 */5 * * * *";

    /// <summary>How old an unsettled event is before it is taken for stopped (a request's own work takes well under this).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    /// <summary>Markers read per tenant per run, so one run stays short; the next run goes on.</summary>
    public const int MaxPerTenantPerRun = 1000;

    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        var finished = 0;
        foreach (var tenant in await tenants.ListAsync(cancellationToken))
        {
            try
            {
                finished += await FinishAsync(tenant, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One tenant's trouble must not hold up the others; the next run tries it again.
                logger.LogError(ex, "Finishing the pending order notifications of tenant {Tenant} stopped", tenant.Id);
            }
        }
        if (finished > 0)
        {
            logger.LogWarning("Finished {Count} order notifications that their requests left pending", finished);
        }
    }

    /// <summary>Settles the tenant's events left pending before the grace; returns how many it settled.</summary>
    public async Task<int> FinishAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var finished = 0;
        foreach (var marker in await orders.PendingNotificationsAsync(tenant.Id, time.GetUtcNow() - Grace, MaxPerTenantPerRun, cancellationToken))
        {
            var recorded = await orders.GetEventAsync(tenant.Id, marker.OrderId, marker.Sequence, cancellationToken);
            var order = await orders.GetAsync(tenant.Id, marker.OrderId, cancellationToken);
            if (recorded is not { Outcome: NotificationOutcome.Pending } || order is null)
            {
                // Settled without its marker going (changed by hand), or gone: nothing to finish.
                await orders.DropPendingNotificationAsync(tenant.Id, marker, cancellationToken);
                continue;
            }
            // Settling deletes the marker; a claim another request holds right now leaves it for the next run.
            var after = await notifications.NotifyAsync(tenant, order, recorded, cancellationToken);
            if (after.Outcome != NotificationOutcome.Pending)
            {
                logger.LogInformation("Order event {Sequence} of order {OrderId} (tenant {Tenant}) was left pending by its request: {Outcome}",
                    marker.Sequence, marker.OrderId, tenant.Id, after.Outcome);
                finished++;
            }
        }
        return finished;
    }
}
