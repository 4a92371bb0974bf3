using Functions.Storage;
using Functions.Storage.AzureStorage;

namespace Functions.Tests.Storage;

/// <summary>The contract suite against the Azure adapter, over real HTTP to Azurite.</summary>
public sealed class AzuriteTableStoreContractTests(AzuriteFixture azurite) : TableStoreContract, IClassFixture<AzuriteFixture>
{
    protected override ITableStore Store { get; } = new TableStorageClient(azurite.Account);
}

public sealed class AzuriteQueueStoreContractTests(AzuriteFixture azurite) : QueueStoreContract, IClassFixture<AzuriteFixture>
{
    protected override IQueueStore Store { get; } = new QueueStorageClient(azurite.Account);
}
