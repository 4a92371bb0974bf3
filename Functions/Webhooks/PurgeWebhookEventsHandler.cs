using Azure;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;
using Microsoft.Extensions.Options;

namespace Functions.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Days accepted webhook events are kept for inspection and replay.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 365, ErrorMessage = "Webhooks:RetentionDays must be between 1 and 365.")]
    public int RetentionDays { get; set; } = 14;
}

/// <summary>Daily: deletes each tenant's webhook events older than the retention period.</summary>
public sealed class PurgeWebhookEventsHandler(
    TenantDirectory tenants, ITableStore tables, IOptions<WebhookOptions> options, TimeProvider time, ILogger<PurgeWebhookEventsHandler> logger) : ITimerFunctionHandler
{
    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddDays(-options.Value.RetentionDays);
        var deleted = 0;
        foreach (var tenant in await tenants.ListAsync(cancellationToken))
        {
            // Ids are inverted times: everything from the cutoff's id onwards is older.
            var query = new TableQuery(tenant.Id) { RowKeyFrom = WebhookEvent.IdBoundaryFor(cutoff), Top = 100 };
            while ((await tables.QueryAsync(WebhookEvent.Table, query, null, cancellationToken)).Entities is { Count: > 0 } old)
            {
                await tables.SubmitTransactionAsync(WebhookEvent.Table,
                    [.. old.Select(row => new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All))], cancellationToken);
                deleted += old.Count;
            }
        }
        logger.LogInformation("Deleted {Count} webhook events received before {Cutoff}", deleted, cutoff);
    }
}
