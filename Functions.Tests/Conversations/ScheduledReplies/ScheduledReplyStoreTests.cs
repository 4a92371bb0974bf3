using Functions.Conversations.ScheduledReplies;
using Functions.Outbound;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations.ScheduledReplies;

/// <summary>The store's own rules: a change decided on a stale reply never lands, and a reply keeps its timer.</summary>
public sealed class ScheduledReplyStoreTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryTableStore _tables;
    private readonly InMemoryQueueStore _queues;
    private readonly ScheduledReplyStore _store;

    public ScheduledReplyStoreTests()
    {
        _tables = new InMemoryTableStore(_clock);
        _queues = new InMemoryQueueStore(_clock);
        _store = new ScheduledReplyStore(_tables, _queues, _clock);
    }

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(ScheduledReply.Table);
        await _queues.CreateQueueIfNotExistsAsync(ScheduledReplyStore.Queue);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ScheduledReply> ScheduleAsync(TimeSpan ahead)
    {
        var now = _clock.GetUtcNow();
        return await _store.CreateAsync("t1", new ScheduledReply(ScheduledReply.NewId(now), "cv00000000000000000001",
            new SendRequest(null, "text", "Later", null, null, null, null, null), now + ahead, ScheduledReplyStatus.Scheduled, now, "key1"), default);
    }

    [Fact]
    public async Task ACancelThatLandsWhileTheTimerClaimsTheReplyWinsAndTheClaimDoesNot()
    {
        var reply = await ScheduleAsync(TimeSpan.FromHours(1));
        var raced = false;

        // The timer decides to claim the reply it read; before its write lands, an agent cancels it.
        var (after, changed) = await _store.ChangeAsync("t1", reply.ConversationId, reply.Id, r =>
        {
            if (!raced)
            {
                raced = true;
                _store.ChangeAsync("t1", reply.ConversationId, reply.Id, c => c with { Status = ScheduledReplyStatus.Cancelled }, default).GetAwaiter().GetResult();
            }
            return r.Status == ScheduledReplyStatus.Scheduled ? r with { Status = ScheduledReplyStatus.Sending } : null;
        }, default);

        Assert.True(raced);
        Assert.False(changed);
        Assert.Equal(ScheduledReplyStatus.Cancelled, after!.Status);
        Assert.Equal(ScheduledReplyStatus.Cancelled, (await _store.GetAsync("t1", reply.ConversationId, reply.Id, default))!.Status);
    }

    [Fact]
    public async Task AReplyIsStoredWithATimerDueAtItsTimeAndNoSoonerThanTheQueueAllows()
    {
        var soon = await ScheduleAsync(TimeSpan.FromHours(2));
        var late = await ScheduleAsync(TimeSpan.FromDays(12));

        Assert.Empty(await _queues.PeekAsync(ScheduledReplyStore.Queue, 32));
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.Contains(soon.Id, Assert.Single(await _queues.PeekAsync(ScheduledReplyStore.Queue, 32)).Text);
        _clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromHours(2));
        Assert.Contains(await _queues.PeekAsync(ScheduledReplyStore.Queue, 32), m => m.Text.Contains(late.Id, StringComparison.Ordinal));
        Assert.Equal(ScheduledReplyStatus.Scheduled, (await _store.GetAsync("t1", late.ConversationId, late.Id, default))!.Status);
    }

    [Theory]
    [InlineData("sr0000000000000000000000000")]
    [InlineData("SR00000000000000000000000")]
    [InlineData("nt000000000000000000000000")]
    [InlineData("../../etc")]
    public async Task AnIdThatIsNotAReplysIsNotFound(string id)
    {
        Assert.Null(await _store.GetAsync("t1", "cv00000000000000000001", id, default));
        Assert.Equal((null, false), await _store.ChangeAsync("t1", "cv00000000000000000001", id, r => r, default));
    }
}
