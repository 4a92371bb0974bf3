using Functions.Hosting;
using Functions.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.TestSupport;

/// <summary>
/// The whole app on a test server, with in-memory settings and, optionally, test functions
/// added to the catalog the way a capability adds its own.
/// </summary>
public sealed class FunctionsAppFactory(
    IReadOnlyDictionary<string, string?>? settings = null,
    Action<FunctionCatalog, StorageLayout>? addFunctions = null,
    Action<IServiceCollection>? configureServices = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // New tenants get no default order templates unless a test asks (they would add templates and provider requests to every test).
        builder.UseSetting("Orders:DefaultTemplates", "false");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            var catalog = (FunctionCatalog)services.Single(d => d.ServiceType == typeof(FunctionCatalog)).ImplementationInstance!;
            var layout = (StorageLayout)services.Single(d => d.ServiceType == typeof(StorageLayout)).ImplementationInstance!;
            addFunctions?.Invoke(catalog, layout);
            services.AddSingleton<TestFunctionLog>();
            configureServices?.Invoke(services);
        });
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();
}
