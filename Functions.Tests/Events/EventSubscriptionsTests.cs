using Azure;
using Functions.Events;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Events;

/// <summary>The subscription store's rules under concurrent requests, over the in-memory store.</summary>
public sealed class EventSubscriptionsTests
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task TwoCreatesRacingForTheTenthPlaceLeaveTenSubscriptionsNotEleven()
    {
        var inner = new InMemoryTableStore(_time);
        await inner.CreateTableIfNotExistsAsync(EventSubscription.Table);
        var subscriptions = new EventSubscriptions(inner, new InMemoryQueueStore(_time), _time);
        for (var i = 0; i < EventSubscription.MaxPerTenant - 1; i++)
        {
            Assert.NotNull(await subscriptions.CreateAsync("shop", $"https://hooks.example.com/{i}", [], true, null, default));
        }
        // Both requests counted nine before either wrote.
        var racing = new EventSubscriptions(new InsertsTogether(inner, 2), new InMemoryQueueStore(_time), _time);

        var created = await Task.WhenAll(
            racing.CreateAsync("shop", "https://hooks.example.com/a", [], true, null, default),
            racing.CreateAsync("shop", "https://hooks.example.com/b", [], true, null, default));

        // One may win the place, or (writing at the very same moment) neither: never both.
        var won = created.Where(c => c is not null).Select(c => c!.Id).ToList();
        Assert.True(won.Count <= 1, $"{won.Count} creates won the tenth place");
        var stored = await subscriptions.ListAsync("shop", default);
        Assert.Equal(EventSubscription.MaxPerTenant - 1 + won.Count, stored.Count);
        Assert.All(won, id => Assert.Contains(stored, s => s.Id == id));
    }

    /// <summary>Holds each insert until <paramref name="parties"/> inserts are waiting, then lets them all go.</summary>
    private sealed class InsertsTogether(ITableStore inner, int parties) : ITableStore
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;

        public string Kind => inner.Kind;
        public Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default) => inner.CreateTableIfNotExistsAsync(table, cancellationToken);
        public Task<TableEntity?> GetEntityIfExistsAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken = default) =>
            inner.GetEntityIfExistsAsync(table, partitionKey, rowKey, cancellationToken);

        public async Task<ETag> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _waiting) >= parties) _all.TrySetResult();
            await _all.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return await inner.InsertAsync(table, entity, cancellationToken);
        }

        public Task<ETag> ReplaceAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) => inner.ReplaceAsync(table, entity, ifMatch, cancellationToken);
        public Task<ETag> MergeAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) => inner.MergeAsync(table, entity, ifMatch, cancellationToken);
        public Task<ETag> UpsertAsync(string table, TableEntity entity, TableUpsertMode mode = TableUpsertMode.Replace, CancellationToken cancellationToken = default) =>
            inner.UpsertAsync(table, entity, mode, cancellationToken);
        public Task DeleteAsync(string table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(table, partitionKey, rowKey, ifMatch, cancellationToken);
        public Task<TablePage> QueryAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default) =>
            inner.QueryAsync(table, query, continuationToken, cancellationToken);
        public Task<IReadOnlyList<ETag>> SubmitTransactionAsync(string table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default) =>
            inner.SubmitTransactionAsync(table, actions, cancellationToken);
    }
}
