using Functions.Storage;
using Functions.Storage.AzureStorage;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Storage.AzureStorage;

/// <summary>Azurite with disk persistence keeps rows and messages across a restart on the same ports.</summary>
public sealed class AzuriteRestartTests : IAsyncLifetime
{
    private readonly string _location = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N"));
    private AzuriteProcess _azurite = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_location);
        _azurite = new AzuriteProcess(_location);
        return _azurite.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _azurite.DisposeAsync();
        Directory.Delete(_location, recursive: true);
    }

    [Fact]
    public async Task DataSurvivesAStopAndStartOnTheSamePorts()
    {
        var (tablePort, queuePort) = (_azurite.TablePort, _azurite.QueuePort);
        var tables = new TableStorageClient(_azurite.Account);
        var queues = new QueueStorageClient(_azurite.Account);
        await tables.CreateTableIfNotExistsAsync("kept");
        var etag = await tables.InsertAsync("kept", new TableEntity("p", "r") { ["V"] = 42L });
        await queues.CreateQueueIfNotExistsAsync("kept");
        var sent = await queues.SendAsync("kept", "still here");

        await _azurite.StopAsync();
        Assert.False(_azurite.IsRunning);
        await _azurite.StartAsync();

        Assert.Equal((tablePort, queuePort), (_azurite.TablePort, _azurite.QueuePort));
        var row = await tables.GetEntityIfExistsAsync("kept", "p", "r");
        Assert.Equal((42L, etag), (row!["V"], row.ETag));
        var message = Assert.Single(await queues.ReceiveAsync("kept", 32, TimeSpan.FromSeconds(30)));
        Assert.Equal((sent.MessageId, "still here"), (message.MessageId, message.Text));
    }
}
