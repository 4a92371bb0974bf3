using Azure;
using Functions.Hosting;
using Functions.Storage;
using Functions.Storage.AzureStorage;
using Functions.Storage.InMemory;
using Functions.Tests.Storage;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Functions.Tests.Hosting;

public sealed class InMemoryPoisonMessagesTests()
    : PoisonMessagesContract(new InMemoryQueueStore(TimeProvider.System), new InMemoryTableStore(TimeProvider.System));

public sealed class AzuritePoisonMessagesTests(AzuriteFixture azurite)
    : PoisonMessagesContract(new QueueStorageClient(azurite.Account), new TableStorageClient(azurite.Account)), IClassFixture<AzuriteFixture>;

/// <summary>
/// Listing, replaying and discarding poison messages, on in-memory stores and on Azurite, including
/// what is left when storage fails midway: never a lost message. Each test has queues of its own.
/// </summary>
public abstract class PoisonMessagesContract : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly ScriptedQueueStore _queues;
    private readonly ITableStore _tables;
    private readonly QueueFunction _function = new FunctionCatalog().AddQueue<CountGreetingHandler>("CountGreeting", AzuriteFixture.UniqueName("g")).QueueFunctions.Single();
    private readonly PoisonMessages _poison;

    protected PoisonMessagesContract(IQueueStore queues, ITableStore tables)
    {
        _queues = new ScriptedQueueStore(queues);
        _tables = tables;
        _poison = new PoisonMessages(_queues, _tables, TimeProvider.System, NullLogger<PoisonMessages>.Instance);
    }

    public async Task InitializeAsync()
    {
        await _queues.CreateQueueIfNotExistsAsync(_function.QueueName);
        await _queues.CreateQueueIfNotExistsAsync(_function.PoisonQueueName);
        await _tables.CreateTableIfNotExistsAsync(PoisonMessages.Table);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Poisons a message the way the standalone runner does: received, then moved with a reason.</summary>
    private async Task<string> PoisonAsync(string text, string error = "boom")
    {
        await _queues.SendAsync(_function.QueueName, text);
        var received = Assert.Single(await _queues.ReceiveAsync(_function.QueueName, 1, Lease));
        await _poison.MoveAsync(_function, received, received.PopReceipt, error, default);
        return Assert.Single(await _poison.ListReasonsAsync(_function, default), r => r.GetString("LastError") == error).GetString("PoisonMessageId")!;
    }

    private async Task<List<QueueMessage>> DrainAsync(string queue)
    {
        var all = new List<QueueMessage>();
        while (await _queues.ReceiveAsync(queue, 32, Lease) is { Count: > 0 } batch) all.AddRange(batch);
        return all;
    }

    [Fact]
    public async Task AListJoinsRecordedReasonsAndShowsHostMovedMessagesWithoutOne()
    {
        var recorded = await PoisonAsync("recorded", "System.InvalidOperationException: nope");
        var hostMoved = (await _queues.SendAsync(_function.PoisonQueueName, "moved by the host")).MessageId;

        var contents = await _poison.ListAsync(_function, default);

        Assert.Equal(2, contents.Count);
        Assert.Equal([recorded, hostMoved], contents.Messages.Select(m => m.Id));
        var reason = contents.Messages[0].Reason!;
        Assert.Equal(("CountGreeting", 1L, "System.InvalidOperationException: nope"), (reason.FunctionName, reason.DequeueCount, reason.LastError));
        Assert.NotNull(reason.FailedOn);
        Assert.Null(contents.Messages[1].Reason);
        Assert.Equal(0, (await _queues.PeekAsync(_function.PoisonQueueName, 32)).Sum(m => m.DequeueCount)); // a list changes nothing
    }

    [Fact]
    public async Task ReasonsAreJoinedForAFullPeekOfRecordedMessages()
    {
        var ids = new List<string>();
        for (var i = 0; i < 33; i++) ids.Add(await PoisonAsync($"m{i}", $"error {i}"));

        var contents = await _poison.ListAsync(_function, default);

        Assert.Equal(33, contents.Count);
        Assert.Equal(PoisonMessages.PeekLimit, contents.Messages.Count);
        Assert.All(contents.Messages, m => Assert.Equal($"error {ids.IndexOf(m.Id)}", m.Reason?.LastError));
    }

    [Fact]
    public async Task ReplayFindsAMessageBehindOthersAndReleasesThemAtOnce()
    {
        for (var i = 0; i < 40; i++) await _queues.SendAsync(_function.PoisonQueueName, $"other {i}");
        var wanted = await PoisonAsync("wanted");

        var result = await _poison.ReplayAsync(_function, wanted, default);

        Assert.Equal(PoisonMessageOutcome.Done, result.Outcome);
        var replayed = Assert.Single(await _queues.PeekAsync(_function.QueueName, 32));
        Assert.Equal((result.ReplayedMessageId, "wanted"), (replayed.MessageId, replayed.Text));
        // The 40 passed over are visible again right away, not after the search lease.
        Assert.Equal(40, await _queues.GetApproximateMessageCountAsync(_function.PoisonQueueName));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"other {i}").Order(), (await DrainAsync(_function.PoisonQueueName)).Select(m => m.Text).Order());
        Assert.Empty(await _poison.ListReasonsAsync(_function, default));
    }

    [Fact]
    public async Task AnUnknownIdIsNotFoundAndAQueueInViewIsNotEvenReceived()
    {
        await PoisonAsync("stays");
        var receives = _queues.Receives;

        Assert.Equal(PoisonMessageOutcome.NotFound, (await _poison.ReplayAsync(_function, Guid.NewGuid().ToString(), default)).Outcome);
        Assert.Equal(PoisonMessageOutcome.NotFound, (await _poison.DiscardAsync(_function, "not-a-message-id", default)).Outcome);
        Assert.Null(await _poison.FindAsync(_function, Guid.NewGuid().ToString(), default));

        Assert.Equal(receives, _queues.Receives);
        Assert.Equal(0L, Assert.Single(await _queues.PeekAsync(_function.PoisonQueueName, 32)).DequeueCount);
        Assert.Single(await _poison.ListReasonsAsync(_function, default));
    }

    [Fact]
    public async Task ASearchStopsAtItsLimitAndReleasesEverything()
    {
        await Task.WhenAll(Enumerable.Range(0, PoisonMessages.SearchLimit + 10).Select(i => _queues.SendAsync(_function.PoisonQueueName, $"m{i}")));

        var result = await _poison.DiscardAsync(_function, Guid.NewGuid().ToString(), default);

        Assert.Equal(PoisonMessageOutcome.SearchLimitReached, result.Outcome);
        Assert.Equal(PoisonMessages.SearchLimit + 10, (await DrainAsync(_function.PoisonQueueName)).Count);
    }

    [Fact]
    public async Task AReplayWhoseSendFailsLeavesTheMessageInThePoisonQueueVisible()
    {
        var id = await PoisonAsync("keep me");
        _queues.SendFailures.Enqueue(new RequestFailedException(503, "Server busy.", "ServerBusy", null));

        await Assert.ThrowsAsync<RequestFailedException>(() => _poison.ReplayAsync(_function, id, default));

        Assert.Equal(0, await _queues.GetApproximateMessageCountAsync(_function.QueueName));
        // Released at once, not hidden for the rest of the search lease.
        var kept = Assert.Single(await DrainAsync(_function.PoisonQueueName));
        Assert.Equal((id, "keep me"), (kept.MessageId, kept.Text));
        Assert.Single(await _poison.ListReasonsAsync(_function, default));
    }

    [Fact]
    public async Task AReplayThatFailsAfterSendingLeavesTheMessageInBothQueuesNeverInNeither()
    {
        var id = await PoisonAsync("twice is fine");
        _queues.DeleteFailures.Enqueue(new HttpRequestException("connection reset"));

        await Assert.ThrowsAsync<HttpRequestException>(() => _poison.ReplayAsync(_function, id, default));

        Assert.Equal("twice is fine", Assert.Single(await DrainAsync(_function.QueueName)).Text);
        Assert.Equal(1, await _queues.GetApproximateMessageCountAsync(_function.PoisonQueueName));
        Assert.Single(await _poison.ListReasonsAsync(_function, default));
    }

    [Fact]
    public async Task AReplayWhoseLeaseRanOutSaysSoAndKeepsTheReason()
    {
        var id = await PoisonAsync("slow storage");
        _queues.DeleteFailures.Enqueue(new RequestFailedException(404, "The specified message does not exist.", StorageErrorCodes.MessageNotFound, null));

        var result = await _poison.ReplayAsync(_function, id, default);

        Assert.Equal(PoisonMessageOutcome.LeaseLost, result.Outcome);
        Assert.Equal(result.ReplayedMessageId, Assert.Single(await _queues.PeekAsync(_function.QueueName, 32)).MessageId);
        Assert.Equal(1, await _queues.GetApproximateMessageCountAsync(_function.PoisonQueueName));
        Assert.Single(await _poison.ListReasonsAsync(_function, default));
    }

    [Fact]
    public async Task DiscardDeletesTheMessageAndItsReasonOnly()
    {
        var gone = await PoisonAsync("gone", "first");
        var kept = await PoisonAsync("kept", "second");

        Assert.Equal(PoisonMessageOutcome.Done, (await _poison.DiscardAsync(_function, gone, default)).Outcome);

        Assert.Equal([kept], (await _queues.PeekAsync(_function.PoisonQueueName, 32)).Select(m => m.MessageId));
        Assert.Equal(["second"], (await _poison.ListReasonsAsync(_function, default)).Select(r => r.GetString("LastError")));
        Assert.Equal(0, await _queues.GetApproximateMessageCountAsync(_function.QueueName));
        Assert.Equal(PoisonMessageOutcome.NotFound, (await _poison.DiscardAsync(_function, gone, default)).Outcome);
    }
}
