using Functions.Storage;

namespace Functions.Tenants;

/// <summary>
/// With no storage configured (in-memory mode), creates a demo tenant on the sandbox provider
/// and prints its admin API key once, so the product can be tried with no account at all.
/// The key goes to the console only, never through the logging pipeline.
/// </summary>
internal sealed class DemoTenantSeeder(ITableStore tables, ApiKeys keys, TimeProvider time) : IHostedService
{
    public const string TenantId = "demo";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var tenant = new Tenant(TenantId, "Demo Company", "demo", "sandbox", time.GetUtcNow());
        await tables.UpsertAsync(Tenant.Table, tenant.ToEntity(), cancellationToken: cancellationToken);
        var key = await keys.CreateAsync(TenantId, ApiKeyRole.Admin, cancellationToken);
        Console.WriteLine($"""

            Demo tenant '{tenant.Name}' (sandbox provider, in-memory storage: nothing is kept after exit).
            Its admin API key, shown only now:

                {key}

            Try: curl -H "Authorization: Bearer {key}" http://localhost:7071/api/tenant

            """);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
