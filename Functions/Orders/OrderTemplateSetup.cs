using System.Text.Json;
using Functions.Hosting;
using Functions.Storage;
using Functions.Templates;
using Functions.Tenants;
using Microsoft.Extensions.Options;

namespace Functions.Orders;

/// <summary>Work item of queue <c>order-templates</c>: give this tenant the default order template set.</summary>
public sealed record OrderTemplateWork(string Tenant);

/// <summary>
/// Gives a tenant the default order templates (<see cref="DefaultOrderTemplates"/>): queued when
/// the tenant is created (never inline in that request), and again on
/// <c>POST /api/orders/templates</c>. The queue function creates each one the tenant does not
/// have yet through the templates capability and submits each draft for review through the
/// tenant's provider (the sandbox approves after its delay), so a repeat only finishes what is left.
/// </summary>
public sealed class OrderTemplateSetup(IQueueStore queues, IOptions<OrderOptions> options) : ITenantSetup
{
    public const string Queue = "order-templates";

    public Task QueueAsync(string tenantId, CancellationToken cancellationToken) =>
        queues.SendAsync(Queue, JsonSerializer.Serialize(new OrderTemplateWork(tenantId), JsonSerializerOptions.Web), cancellationToken: cancellationToken);

    public Task TenantCreatedAsync(Tenant tenant, CancellationToken cancellationToken) =>
        options.Value.DefaultTemplates ? QueueAsync(tenant.Id, cancellationToken) : Task.CompletedTask;
}

public sealed class OrderTemplateSetupHandler(
    TenantDirectory tenants, TemplateStore store, TemplateSubmissions submissions, ILogger<OrderTemplateSetupHandler> logger) : IQueueFunctionHandler
{
    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var work = JsonSerializer.Deserialize<OrderTemplateWork>(invocation.MessageText, JsonSerializerOptions.Web)
            ?? throw new FormatException("The order template work item is empty.");
        if (await tenants.FindAsync(work.Tenant, cancellationToken) is not { } tenant)
        {
            return; // the tenant is gone: nothing to set up
        }
        var refused = new List<string>();
        foreach (var status in OrderStatuses.All)
        {
            var definition = DefaultOrderTemplates.Definition(status);
            // Created unless it exists: a tenant's own edits of a default template are kept.
            await store.CreateAsync(tenant.Id, definition, cancellationToken);
            if (await store.LatestAsync(tenant.Id, definition.Name, definition.Language, cancellationToken) is not { Status: TemplateStatus.Draft, Version: 1 })
            {
                continue; // submitted before, or the tenant's own new version: theirs to submit
            }
            var result = await submissions.SubmitAsync(tenant, definition.Name, definition.Language, cancellationToken);
            if (result.Refusal is { Kind: SubmissionRefusalKind.ProviderRefused } refusal)
            {
                refused.Add($"{definition.Name}: {refusal.Detail}");
            }
            else if (result.Refusal is { Kind: not SubmissionRefusalKind.NotADraft } other)
            {
                logger.LogWarning("Default order template {Name} of {Tenant} not submitted: {Kind}", definition.Name, tenant.Id, other.Kind);
            }
        }
        if (refused.Count > 0)
        {
            // The provider may have been down: try again later (the drafts stay, and a repeat submits only those).
            throw new InvalidOperationException($"The provider refused {refused.Count} default order templates of {tenant.Id}: {string.Join("; ", refused)}");
        }
    }
}

/// <summary>Section <c>Orders</c> (the tracking link's settings are in the same section).</summary>
public sealed class OrderOptions
{
    public const string Section = "Orders";

    /// <summary>Whether a new tenant gets the default order templates (created and submitted for review).</summary>
    public bool DefaultTemplates { get; set; } = true;

    internal static IEnumerable<string> Problems() => [];
}
