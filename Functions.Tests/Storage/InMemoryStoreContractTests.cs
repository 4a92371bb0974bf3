using Functions.Storage;
using Functions.Storage.InMemory;

namespace Functions.Tests.Storage;

public sealed class InMemoryTableStoreContractTests : TableStoreContract
{
    protected override ITableStore Store { get; } = new InMemoryTableStore(TimeProvider.System);
}

public sealed class InMemoryQueueStoreContractTests : QueueStoreContract
{
    protected override IQueueStore Store { get; } = new InMemoryQueueStore(TimeProvider.System);
}
