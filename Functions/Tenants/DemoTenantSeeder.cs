using Functions.Storage;

namespace Functions.Tenants;

/// <summary>
/// With no storage configured (in-memory mode, standalone), creates a demo tenant on the sandbox
/// provider and prints its admin API key (and the operator key made for the demo) once, so the
/// product can be tried with no account at all. Keys go to the console only, never through the
/// logging pipeline.
/// </summary>
internal sealed class DemoTenantSeeder(ITableStore tables, ApiKeys keys, OperatorKey operatorKey, IEnumerable<ITenantSetup> setups, TimeProvider time) : IHostedService
{
    public const string TenantId = "demo";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var tenant = new Tenant(TenantId, "Demo Company", "UTC", "en", null, null, ProviderSettings.Sandbox, now, now);
        await tables.UpsertAsync(Tenant.Table, tenant.ToEntity(), cancellationToken: cancellationToken);
        foreach (var setup in setups)
        {
            await setup.TenantCreatedAsync(tenant, cancellationToken); // the default order templates, say
        }
        var (key, _) = await keys.CreateAsync(TenantId, ApiKeyRole.Admin, cancellationToken);
        var operatorLine = operatorKey.GeneratedForDemo is { } op
            ? $"\n    Operator key (creates tenants at /api/operator/tenants): {op}\n"
            : "";
        Console.WriteLine($"""

            Demo tenant '{tenant.Name}' (sandbox provider, in-memory storage: nothing is kept after exit).
            Its admin API key, shown only now:

                {key}
            {operatorLine}
            Try: curl -H "Authorization: Bearer {key}" http://localhost:7071/api/tenant

            """);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
