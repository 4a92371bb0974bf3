using Functions.Hosting;
using Azure.Core;
using Azure.Identity;
using Functions.Storage.AzureStorage;
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

        var account = AzureAccount(builder.Configuration.GetSection(ConnectionSetting));
        builder.Services.AddSingleton<ITableStore>(new TableStorageClient(account));
        builder.Services.AddSingleton<IQueueStore>(new QueueStorageClient(account));
        return builder;
    }

    private static StorageAccount AzureAccount(IConfigurationSection section)
    {
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            try
            {
                return StorageAccount.Parse(section.Value);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"Setting {ConnectionSetting} is not a valid storage connection string: {ex.Message}", ex);
            }
        }

        // Azure AD: the Functions host's identity-based connection settings, either the account
        // name (public cloud endpoints) or both service URIs.
        var accountName = section["accountName"];
        var tableUri = string.IsNullOrWhiteSpace(accountName) || !string.IsNullOrWhiteSpace(section["tableServiceUri"])
            ? ServiceUri(section, "tableServiceUri")
            : AccountUri(accountName, "table");
        var queueUri = string.IsNullOrWhiteSpace(accountName) || !string.IsNullOrWhiteSpace(section["queueServiceUri"])
            ? ServiceUri(section, "queueServiceUri")
            : AccountUri(accountName, "queue");
        var clientId = section["clientId"];
        TokenCredential credential = string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        return StorageAccount.WithTokenCredential(tableUri, queueUri, credential);
    }

    private static Uri AccountUri(string accountName, string service) =>
        accountName.Length is >= 3 and <= 24 && accountName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            ? new Uri($"https://{accountName}.{service}.core.windows.net")
            : throw new InvalidOperationException($"Setting {ConnectionSetting}__accountName must be a storage account name: 3 to 24 lowercase letters and digits.");

    private static Uri ServiceUri(IConfigurationSection section, string name) =>
        Uri.TryCreate(section[name], UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? uri
            : throw new InvalidOperationException(
                $"Setting {ConnectionSetting}__{name} must be an absolute URI (for example https://account.{name[..^10]}.core.windows.net) when {ConnectionSetting} is neither a connection string nor given as {ConnectionSetting}__accountName.");

    /// <summary>True when no storage account is configured: the embedded in-memory stores are used.</summary>
    public static bool IsInMemory(IConfiguration configuration)
    {
        var section = configuration.GetSection(ConnectionSetting);
        return string.IsNullOrWhiteSpace(section.Value) && IdentitySettings.All(name => string.IsNullOrWhiteSpace(section[name]));
    }

    // The Functions host's identity-based connection settings (AzureWebJobsStorage__<name>).
    private static readonly string[] IdentitySettings = ["accountName", "tableServiceUri", "queueServiceUri", "clientId", "credential"];

    /// <summary>The <see cref="StorageLayout"/> capabilities add their tables and queues to.</summary>
    public static StorageLayout GetStorageLayout(this IHostApplicationBuilder builder) =>
        builder.Services.TryAddSingletonInstance(new StorageLayout());
}
