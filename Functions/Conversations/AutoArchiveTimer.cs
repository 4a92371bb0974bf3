using Azure;
using Functions.Events;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;

namespace Functions.Conversations;

/// <summary>
/// Every 10 minutes: archives each Active conversation that has been idle (no message either way)
/// longer than its tenant's <see cref="Tenant.AutoArchiveAfter"/>. Only tenants with the setting are
/// read (a filter on the tenants' partition), and of each only the conversations that qualify (a
/// filter on Status and LastActivityOn over the <c>c:</c> rows), so the cost follows what there is
/// to archive. Each is archived through <see cref="ConversationStore.ArchiveIfIdleAsync"/>, which
/// decides on the row it writes, so one the customer wrote to meanwhile stays; each archive
/// publishes <c>conversation.status</c>; and
/// a run that stops half way is finished by the next: an archived conversation no longer matches,
/// so a checkpoint row (table <see cref="CheckpointTable"/>) is written before each archive and
/// removed once its event is published; the next run publishes the event of any left behind.
/// The customer's next message reopens it.
/// </summary>
public sealed class AutoArchiveTimer(ITableStore tables, ConversationStore conversations, TenantEvents events, TimeProvider time, ILogger<AutoArchiveTimer> logger)
    : ITimerFunctionHandler
{
    public const string Schedule = "0 */10 * * * *";

    /// <summary>Archived per tenant per run at most, so one run stays short; the next run goes on.</summary>
    public const int MaxPerTenantPerRun = 5000;

    /// <summary>A conversation being archived: PartitionKey = tenant, RowKey = conversation id, <c>Cutoff</c> = the run's idle cutoff.</summary>
    public const string CheckpointTable = "AutoArchives";

    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        var tenantQuery = new TableQuery(Tenant.Partition) { Filter = TableFilter.GreaterThan(Tenant.AutoArchiveColumn, 0L) };
        var total = 0;
        foreach (var row in await tables.QueryAllAsync(Tenant.Table, tenantQuery, cancellationToken))
        {
            var tenant = Tenant.FromEntity(row);
            if (tenant.AutoArchiveAfter is not { } after)
            {
                continue;
            }
            try
            {
                total += await ArchiveIdleAsync(tenant.Id, time.GetUtcNow() - after, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One tenant's trouble must not hold up the others; the next run tries it again.
                logger.LogError(ex, "Auto-archive of tenant {Tenant} stopped", tenant.Id);
            }
        }
        logger.LogInformation("Auto-archive archived {Count} idle conversations", total);
    }

    /// <summary>Archives the tenant's Active conversations last active before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<int> ArchiveIdleAsync(string tenantId, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await FinishStoppedAsync(tenantId, cancellationToken);
        var query = TableQuery.WithRowKeyPrefix(tenantId, Conversation.RowKey("")) with
        {
            Filter = TableFilter.Equal("Status", nameof(ConversationStatus.Active)) & TableFilter.LessThan("LastActivityOn", cutoff),
            Top = 200,
        };
        var archived = 0;
        string? token = null;
        do
        {
            var page = await tables.QueryAsync(Conversation.Table, query, token, cancellationToken);
            foreach (var row in page.Entities)
            {
                var id = Conversation.FromEntity(row).Id;
                // Before the archive: once archived, the conversation no longer matches, and only this row says its event may be missing.
                await tables.UpsertAsync(CheckpointTable, new TableEntity(tenantId, id) { ["Cutoff"] = cutoff }, cancellationToken: cancellationToken);
                // Decided again on the row it writes: the customer may have written since the page was read.
                var (after, changed) = await conversations.ArchiveIfIdleAsync(tenantId, id, cutoff, cancellationToken);
                if (changed && after is not null)
                {
                    await PublishAsync(tenantId, after, cancellationToken);
                    archived++;
                }
                await DropCheckpointAsync(tenantId, id, cancellationToken);
                if (archived >= MaxPerTenantPerRun)
                {
                    return archived;
                }
            }
            token = page.ContinuationToken;
        }
        while (token is not null);
        return archived;
    }

    /// <summary>Publishes the event of each conversation a stopped run archived and did not publish, then drops its checkpoint.</summary>
    private async Task FinishStoppedAsync(string tenantId, CancellationToken cancellationToken)
    {
        foreach (var checkpoint in await tables.QueryAllAsync(CheckpointTable, new TableQuery(tenantId), cancellationToken))
        {
            if (await conversations.GetAsync(tenantId, checkpoint.RowKey, cancellationToken) is { Status: ConversationStatus.Archived } conversation
                && conversation.LastActivityOn < checkpoint.GetDateTimeOffset("Cutoff"))
            {
                await PublishAsync(tenantId, conversation, cancellationToken);
            }
            await DropCheckpointAsync(tenantId, checkpoint.RowKey, cancellationToken);
        }
    }

    private async Task DropCheckpointAsync(string tenantId, string conversationId, CancellationToken cancellationToken)
    {
        try
        {
            await tables.DeleteAsync(CheckpointTable, tenantId, conversationId, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsNotFound(ex))
        {
            // Dropped by an overlapping run.
        }
    }

    // Keyed by the activity it was idle since: publishing again after a stop is the same event.
    private Task PublishAsync(string tenantId, Conversation archived, CancellationToken cancellationToken) =>
        events.PublishAsync(tenantId, EventTypes.ConversationStatus, ConversationStatusEvent.Of(archived, ConversationStatus.Active),
            $"{archived.Id}:auto-archived:{archived.LastActivityOn.UtcTicks}", cancellationToken);
}

public static class AutoArchiveExtensions
{
    public static IHostApplicationBuilder AddAutoArchive(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(AutoArchiveTimer.CheckpointTable);
        builder.Services.AddScoped<AutoArchiveTimer>();
        builder.GetFunctionCatalog().AddTimer<AutoArchiveTimer>("AutoArchiveConversations", AutoArchiveTimer.Schedule);
        return builder;
    }
}
