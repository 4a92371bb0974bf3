using Azure;
using Functions.Storage;

namespace Functions.Tests.Storage;

/// <summary>
/// What every <see cref="IQueueStore"/> must do; the same bodies run against the in-memory
/// adapter and against Azurite. Timing checks use short real delays so both can run them.
/// </summary>
public abstract class QueueStoreContract
{
    protected abstract IQueueStore Store { get; }

    private async Task<string> NewQueueAsync()
    {
        var name = "q" + Guid.NewGuid().ToString("N")[..20];
        await Store.CreateQueueIfNotExistsAsync(name);
        return name;
    }

    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CreatingAQueueTwiceIsFine()
    {
        var queue = await NewQueueAsync();
        await Store.CreateQueueIfNotExistsAsync(queue);
        Assert.Equal(0, await Store.GetApproximateMessageCountAsync(queue));
    }

    [Fact]
    public async Task OperationsOnAMissingQueueFailWith404()
    {
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.SendAsync("qmissing-" + Guid.NewGuid().ToString("N")[..10], "x"));
        Assert.Equal(404, ex.Status);
        var peek = await Assert.ThrowsAsync<RequestFailedException>(() => Store.PeekAsync("qmissing-" + Guid.NewGuid().ToString("N")[..10], 1));
        Assert.Equal(404, peek.Status);
    }

    [Fact]
    public async Task AMessageIsReceivedWithItsTextAndDeleted()
    {
        var queue = await NewQueueAsync();
        var text = "{\"kind\":\"order\",\"note\":\"<b>&amp; ünïcode ✓\"}";
        var sent = await Store.SendAsync(queue, text);
        var received = Assert.Single(await Store.ReceiveAsync(queue, 32, Lease));
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal(text, received.Text);
        Assert.Equal(1, received.DequeueCount);
        Assert.True(received.NextVisibleOn > DateTimeOffset.UtcNow.AddSeconds(20));

        await Store.DeleteMessageAsync(queue, received.MessageId, received.PopReceipt);
        Assert.Equal(0, await Store.GetApproximateMessageCountAsync(queue));
        Assert.Empty(await Store.ReceiveAsync(queue, 32, Lease));
    }

    [Fact]
    public async Task AReceivedMessageIsHiddenFromOtherReceivers()
    {
        var queue = await NewQueueAsync();
        await Store.SendAsync(queue, "one");
        Assert.Single(await Store.ReceiveAsync(queue, 1, Lease));
        Assert.Empty(await Store.ReceiveAsync(queue, 1, Lease));
        Assert.Equal(1, await Store.GetApproximateMessageCountAsync(queue));
    }

    [Fact]
    public async Task AMessageReappearsAfterItsVisibilityTimeoutWithAHigherDequeueCount()
    {
        var queue = await NewQueueAsync();
        await Store.SendAsync(queue, "retry me");
        var first = Assert.Single(await Store.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(1)));
        var second = await ReceiveWithinAsync(queue, TimeSpan.FromSeconds(5));
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
        Assert.NotEqual(first.PopReceipt, second.PopReceipt);

        // The first receipt is void once the message was received again.
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.DeleteMessageAsync(queue, first.MessageId, first.PopReceipt));
        Assert.True(StorageErrorCodes.IsLostMessageLease(ex), $"{ex.Status} {ex.ErrorCode}");
        await Store.DeleteMessageAsync(queue, second.MessageId, second.PopReceipt);
    }

    [Fact]
    public async Task ADelayedMessageStaysInvisibleUntilDue()
    {
        var queue = await NewQueueAsync();
        var sent = await Store.SendAsync(queue, "later", visibilityDelay: TimeSpan.FromSeconds(2));
        Assert.True(sent.NextVisibleOn > sent.InsertedOn.AddSeconds(1));
        Assert.Empty(await Store.ReceiveAsync(queue, 32, Lease));
        Assert.Equal(1, await Store.GetApproximateMessageCountAsync(queue));
        var due = await ReceiveWithinAsync(queue, TimeSpan.FromSeconds(6));
        Assert.Equal("later", due.Text);
    }

    [Fact]
    public async Task UpdatingVisibilityGivesANewReceiptAndCanReleaseAMessageAtOnce()
    {
        var queue = await NewQueueAsync();
        await Store.SendAsync(queue, "lease");
        var m = Assert.Single(await Store.ReceiveAsync(queue, 1, Lease));
        var lease = await Store.UpdateVisibilityAsync(queue, m.MessageId, m.PopReceipt, TimeSpan.Zero);
        Assert.NotEqual(m.PopReceipt, lease.PopReceipt);

        var again = Assert.Single(await Store.ReceiveAsync(queue, 1, Lease));
        Assert.Equal(m.MessageId, again.MessageId);
        Assert.Equal(2, again.DequeueCount);

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.UpdateVisibilityAsync(queue, m.MessageId, lease.PopReceipt, Lease));
        Assert.True(StorageErrorCodes.IsLostMessageLease(ex), $"{ex.Status} {ex.ErrorCode}");
    }

    [Fact]
    public async Task UpdatingVisibilityExtendsALease()
    {
        var queue = await NewQueueAsync();
        await Store.SendAsync(queue, "long job");
        var m = Assert.Single(await Store.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(1)));
        var lease = await Store.UpdateVisibilityAsync(queue, m.MessageId, m.PopReceipt, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(await Store.ReceiveAsync(queue, 1, Lease));
        await Store.DeleteMessageAsync(queue, m.MessageId, lease.PopReceipt);
        Assert.Equal(0, await Store.GetApproximateMessageCountAsync(queue));
    }

    [Fact]
    public async Task PeekShowsVisibleMessagesInOrderWithoutReceivingThem()
    {
        var queue = await NewQueueAsync();
        var first = await Store.SendAsync(queue, "first ✓ <&>");
        var second = await Store.SendAsync(queue, "second");
        await Store.SendAsync(queue, "later", visibilityDelay: TimeSpan.FromMinutes(1));

        var peeked = await Store.PeekAsync(queue, 32);
        Assert.Equal([(first.MessageId, "first ✓ <&>", 0L), (second.MessageId, "second", 0L)], peeked.Select(m => (m.MessageId, m.Text, m.DequeueCount)));
        Assert.Equal((first.InsertedOn, first.ExpiresOn), (peeked[0].InsertedOn, peeked[0].ExpiresOn));
        Assert.Equal(first.MessageId, Assert.Single(await Store.PeekAsync(queue, 1)).MessageId);

        // Peeking changed nothing: both are received, each on its first delivery, and then hidden from a peek too.
        var received = await Store.ReceiveAsync(queue, 32, Lease);
        Assert.Equal([1L, 1L], received.Select(m => m.DequeueCount));
        Assert.Empty(await Store.PeekAsync(queue, 32));

        var m = received.Single(r => r.MessageId == first.MessageId);
        await Store.UpdateVisibilityAsync(queue, m.MessageId, m.PopReceipt, TimeSpan.Zero);
        var released = Assert.Single(await Store.PeekAsync(queue, 32));
        Assert.Equal((first.MessageId, 1L), (released.MessageId, released.DequeueCount));
        Assert.Equal(3, await Store.GetApproximateMessageCountAsync(queue));
    }

    [Fact]
    public async Task ReceiveReturnsAtMostTheAskedNumberAndEachMessageOnce()
    {
        var queue = await NewQueueAsync();
        var texts = Enumerable.Range(0, 40).Select(i => $"m{i}").ToList();
        foreach (var t in texts) await Store.SendAsync(queue, t);
        Assert.Equal(40, await Store.GetApproximateMessageCountAsync(queue));

        var first = await Store.ReceiveAsync(queue, 32, Lease);
        Assert.Equal(32, first.Count);
        var second = await Store.ReceiveAsync(queue, 32, Lease);
        Assert.Equal(8, second.Count);
        Assert.Equal(texts.Order(), first.Concat(second).Select(m => m.Text).Order());
        Assert.Equal(40, first.Concat(second).Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task ConcurrentReceiversNeverGetTheSameMessage()
    {
        var queue = await NewQueueAsync();
        for (var i = 0; i < 30; i++) await Store.SendAsync(queue, $"m{i}");
        var batches = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Store.ReceiveAsync(queue, 10, Lease)));
        var ids = batches.SelectMany(b => b).Select(m => m.MessageId).ToList();
        Assert.Equal(30, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task AnExpiredMessageIsNeverDelivered()
    {
        var queue = await NewQueueAsync();
        await Store.SendAsync(queue, "short-lived", timeToLive: TimeSpan.FromSeconds(1));
        await Store.SendAsync(queue, "kept", timeToLive: Timeout.InfiniteTimeSpan);
        await Task.Delay(TimeSpan.FromSeconds(1.6));
        var received = await Store.ReceiveAsync(queue, 32, Lease);
        Assert.Equal(["kept"], received.Select(m => m.Text));
        Assert.True(received[0].ExpiresOn > DateTimeOffset.UtcNow.AddYears(100));
    }

    [Fact]
    public async Task LimitsAreRefusedBeforeAnythingIsSent()
    {
        var queue = await NewQueueAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SendAsync(queue, new string('x', QueueRules.MaxMessageBytes + 1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.SendAsync(queue, "x", visibilityDelay: TimeSpan.FromDays(7.5)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.SendAsync(queue, "x", timeToLive: TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ReceiveAsync(queue, 33, Lease));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ReceiveAsync(queue, 1, TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.PeekAsync(queue, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.PeekAsync(queue, 33));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateQueueIfNotExistsAsync("Bad_Name"));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateQueueIfNotExistsAsync("a--b"));
        Assert.Equal(0, await Store.GetApproximateMessageCountAsync(queue));

        // The largest allowed message goes through.
        var largest = new string('é', QueueRules.MaxMessageBytes / 2);
        await Store.SendAsync(queue, largest);
        Assert.Equal(largest, Assert.Single(await Store.ReceiveAsync(queue, 1, Lease)).Text);
    }

    private async Task<QueueMessage> ReceiveWithinAsync(string queue, TimeSpan limit)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var batch = await Store.ReceiveAsync(queue, 1, Lease);
            if (batch.Count > 0) return batch[0];
            await Task.Delay(100);
        }
        throw new TimeoutException($"No message became visible on '{queue}' within {limit}.");
    }
}
