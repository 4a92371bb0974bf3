using System.Text.Json;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;
using Functions.Webhooks;

namespace Functions.Tests.Webhooks;

public sealed class WebhookInboxTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryTableStore _tables;
    private readonly InMemoryQueueStore _queues;
    private readonly WebhookInbox _inbox;

    public WebhookInboxTests()
    {
        _tables = new InMemoryTableStore(_time);
        _queues = new InMemoryQueueStore(_time);
        _inbox = new WebhookInbox(_tables, _queues, _time);
    }

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(WebhookEvent.Table);
        await _queues.CreateQueueIfNotExistsAsync(WebhookInbox.Queue);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ADelayedEventIsStoredAtOnceAndItsWorkItemAppearsWhenDue()
    {
        var accepted = await _inbox.AcceptAsync("t1", "sandbox", new Uri("urn:sandbox:status"), "application/json", [1], TimeSpan.FromSeconds(3), default);

        Assert.NotNull(await _inbox.FindAsync("t1", accepted.Id, default));
        Assert.Empty(await _queues.ReceiveAsync(WebhookInbox.Queue, 32, TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(3));
        var work = Assert.Single(await _queues.ReceiveAsync(WebhookInbox.Queue, 32, TimeSpan.FromSeconds(30)));
        Assert.Equal(new WebhookWork("t1", accepted.Id), JsonSerializer.Deserialize<WebhookWork>(work.Text, JsonSerializerOptions.Web));
    }

    [Fact]
    public async Task WithoutADelayTheWorkItemIsVisibleAtOnce()
    {
        var accepted = await _inbox.AcceptAsync("t1", "meta", new Uri("https://x/"), "application/json", [1], default);
        await _inbox.EnqueueAsync("t1", accepted.Id, TimeSpan.FromMinutes(1), default);

        Assert.Single(await _queues.ReceiveAsync(WebhookInbox.Queue, 32, TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await _queues.ReceiveAsync(WebhookInbox.Queue, 32, TimeSpan.FromSeconds(30))).Count);
    }

    [Fact]
    public async Task ADelayOutOfRangeStoresNothing()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            _inbox.AcceptAsync("t1", "sandbox", new Uri("urn:sandbox:status"), null, [1], TimeSpan.FromDays(8), default));
        Assert.Empty((await _inbox.ListAsync("t1", 10, null, default)).Events);
        Assert.Equal(0, await _queues.GetApproximateMessageCountAsync(WebhookInbox.Queue));
    }
}
