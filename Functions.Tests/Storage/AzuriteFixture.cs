using Functions.Storage.AzureStorage;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Storage;

/// <summary>
/// An in-memory Azurite of its own for one test class (<c>IClassFixture&lt;AzuriteFixture&gt;</c>), on free
/// loopback ports, so test classes can run in parallel. Fails, never skips, when Azurite is not installed.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private readonly AzuriteProcess _azurite = new();

    /// <summary>devstoreaccount1 with its well-known key and this instance's endpoints.</summary>
    public StorageAccount Account { get; private set; } = null!;

    /// <summary>An explicit-endpoints connection string for this instance.</summary>
    public string ConnectionString => _azurite.ConnectionString;

    public int TablePort => _azurite.TablePort;

    public int QueuePort => _azurite.QueuePort;

    public async Task InitializeAsync()
    {
        await _azurite.StartAsync();
        Account = _azurite.Account;
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    /// <summary>A table or queue name no other test uses: a letter, then lowercase hex.</summary>
    public static string UniqueName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..16];
}
