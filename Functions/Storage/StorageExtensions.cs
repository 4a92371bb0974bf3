using Functions.Hosting;
using Functions.Storage.InMemory;

namespace Functions.Storage;

public static class StorageExtensions
{
    /// <summary>The setting the Functions host itself uses for its storage account; we share it, so our queues are the host's.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    /// <summary>
    /// Table and queue stores: in memory when <c>AzureWebJobsStorage</c> is unset, otherwise the
    /// Azure Storage account it names (a connection string, <c>UseDevelopmentStorage=true</c> for
    /// Azurite, or <c>AzureWebJobsStorage__tableServiceUri</c> / <c>__queueServiceUri</c> for
    /// Azure AD auth).
    /// </summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingletonInstance(new StorageLayout());
        builder.Services.AddHostedService<StorageInitializer>();

        if (IsInMemory(builder.Configuration))
        {
            builder.Services.AddSingleton<ITableStore>(sp => new InMemoryTableStore(sp.GetRequiredService<TimeProvider>()));
            builder.Services.AddSingleton<IQueueStore>(sp => new InMemoryQueueStore(sp.GetRequiredService<TimeProvider>()));
            return builder;
        }

        throw new InvalidOperationException($"Setting {ConnectionSetting}: the Azure Storage adapter is not built yet.");
    }

    /// <summary>True when no storage account is configured: the embedded in-memory stores are used.</summary>
    public static bool IsInMemory(IConfiguration configuration)
    {
        var section = configuration.GetSection(ConnectionSetting);
        return string.IsNullOrWhiteSpace(section.Value) && section["tableServiceUri"] is null && section["queueServiceUri"] is null;
    }

    /// <summary>The <see cref="StorageLayout"/> capabilities add their tables and queues to.</summary>
    public static StorageLayout GetStorageLayout(this IHostApplicationBuilder builder) =>
        builder.Services.TryAddSingletonInstance(new StorageLayout());
}
