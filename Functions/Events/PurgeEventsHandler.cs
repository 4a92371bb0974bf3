using Azure;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;
using Microsoft.Extensions.Options;

namespace Functions.Events;

/// <summary>
/// Daily: deletes each tenant's events and delivery log entries older than
/// <see cref="EventsOptions.RetentionDays"/>, and the whole log of a deleted subscription, then the
/// subscription itself. Log rows are keyed by inverted event time, so the old ones are one row-key
/// range per subscription; every step is a delete, safe to repeat.
/// </summary>
public sealed class PurgeEventsHandler(
    TenantDirectory tenants, EventSubscriptions subscriptions, ITableStore tables, IOptions<EventsOptions> options, TimeProvider time,
    ILogger<PurgeEventsHandler> logger) : ITimerFunctionHandler
{
    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddDays(-options.Value.RetentionDays);
        var deleted = 0;
        foreach (var tenant in await tenants.ListAsync(cancellationToken))
        {
            foreach (var subscription in await subscriptions.ListAsync(tenant.Id, cancellationToken, includeDeleted: true))
            {
                var partition = EventDelivery.Partition(tenant.Id, subscription.Id);
                // Newest first: from the cutoff's key onwards is older (all of it for a deleted subscription).
                var query = new TableQuery(partition) { RowKeyFrom = subscription.DeletedOn is null ? EventDelivery.RowKeyFor(cutoff, "") : null, Top = 100 };
                deleted += await DeleteAllAsync(EventDelivery.Table, query, cancellationToken);
                if (subscription.DeletedOn is not null)
                {
                    await tables.DeleteAsync(EventSubscription.Table, tenant.Id, subscription.Id, ETag.All, cancellationToken);
                }
            }
            deleted += await DeleteAllAsync(StoredEvent.Table,
                new TableQuery(tenant.Id) { Filter = TableFilter.LessThan("At", cutoff), Top = 100 }, cancellationToken);
        }
        logger.LogInformation("Deleted {Count} events and delivery log entries from before {Cutoff}", deleted, cutoff);
    }

    private async Task<int> DeleteAllAsync(string table, TableQuery query, CancellationToken cancellationToken)
    {
        var deleted = 0;
        string? token = null;
        do
        {
            // A page may be empty and still continue (a filter scans): follow the token to the end.
            var page = await tables.QueryAsync(table, query, token, cancellationToken);
            if (page.Entities.Count > 0)
            {
                await tables.SubmitTransactionAsync(table, [.. page.Entities.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All))], cancellationToken);
                deleted += page.Entities.Count;
            }
            token = page.ContinuationToken;
        }
        while (token is not null);
        return deleted;
    }
}
