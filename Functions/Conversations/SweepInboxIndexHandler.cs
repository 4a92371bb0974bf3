using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;

namespace Functions.Conversations;

/// <summary>
/// Every 30 minutes: deletes the inbox index's expired ghost rows of conversations that have not
/// been written since (a later write deletes them itself). Each is deleted by rewriting its
/// conversation in place (<see cref="ConversationStore.SweepIndexAsync"/>), so the conversation row's
/// ghost list and the rows stay in step. Safe to repeat or miss a run.
/// </summary>
public sealed class SweepInboxIndexHandler(TenantDirectory tenants, ConversationStore conversations, ILogger<SweepInboxIndexHandler> logger) : ITimerFunctionHandler
{
    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        var swept = 0;
        foreach (var tenant in await tenants.ListAsync(cancellationToken))
        {
            swept += await conversations.SweepIndexAsync(tenant.Id, cancellationToken);
        }
        logger.LogInformation("Swept the inbox index of {Count} conversations", swept);
    }
}
