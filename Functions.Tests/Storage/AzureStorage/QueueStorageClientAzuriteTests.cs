using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Functions.Storage;
using Functions.Storage.AzureStorage;

namespace Functions.Tests.Storage.AzureStorage;

/// <summary>Wire specifics of <see cref="QueueStorageClient"/> against a real Azurite.</summary>
public sealed class QueueStorageClientAzuriteTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(5);
    private readonly QueueStorageClient _client = new(azurite.Account);

    private async Task<string> NewQueueAsync()
    {
        var queue = AzuriteFixture.UniqueName("q");
        await _client.CreateQueueIfNotExistsAsync(queue);
        return queue;
    }

    [Fact]
    public async Task MessageTextIsBase64OfUtf8OnTheWire()
    {
        var queue = await NewQueueAsync();
        const string text = "héllo <b>&amp;</b> 'quotes' 👋 {\"json\":true}";
        await _client.SendAsync(queue, text);

        var raw = await RawAsync(RequestMethod.Get, $"/{queue}/messages", "?peekonly=true");
        var wire = XDocument.Parse(raw).Descendants("MessageText").Single().Value;
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), wire);

        var received = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(text, received.Text);
    }

    [Fact]
    public async Task MessagesEnqueuedAsBase64ByOthersAreDecodedAndPlainOnesPassThrough()
    {
        var queue = await NewQueueAsync();
        var hostStyle = Convert.ToBase64String(Encoding.UTF8.GetBytes("from the host ✓"));
        await RawAsync(RequestMethod.Post, $"/{queue}/messages", null, $"<QueueMessage><MessageText>{hostStyle}</MessageText></QueueMessage>");
        await RawAsync(RequestMethod.Post, $"/{queue}/messages", null, "<QueueMessage><MessageText>not base64 &amp; plain</MessageText></QueueMessage>");

        var texts = (await _client.ReceiveAsync(queue, 32, TimeSpan.FromSeconds(30))).Select(m => m.Text).Order(StringComparer.Ordinal);
        Assert.Equal(["from the host ✓", "not base64 & plain"], texts);
    }

    [Fact]
    public async Task SendReportsTimesAndHonoursTimeToLive()
    {
        var queue = await NewQueueAsync();
        var now = DateTimeOffset.UtcNow;

        var byDefault = await _client.SendAsync(queue, "a");
        var forever = await _client.SendAsync(queue, "b", timeToLive: Timeout.InfiniteTimeSpan);
        var minute = await _client.SendAsync(queue, "c", visibilityDelay: TimeSpan.FromSeconds(10), timeToLive: TimeSpan.FromMinutes(1));

        Assert.False(string.IsNullOrEmpty(byDefault.MessageId));
        Assert.False(string.IsNullOrEmpty(byDefault.PopReceipt));
        Assert.InRange(byDefault.InsertedOn, now - Tolerance, now + Tolerance);
        Assert.InRange(byDefault.ExpiresOn - byDefault.InsertedOn, QueueRules.DefaultTimeToLive - Tolerance, QueueRules.DefaultTimeToLive + Tolerance);
        Assert.Equal(9999, forever.ExpiresOn.Year);
        Assert.InRange(minute.ExpiresOn - minute.InsertedOn, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(61));
        Assert.InRange(minute.NextVisibleOn - minute.InsertedOn, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(11));
        Assert.Equal(3, await _client.GetApproximateMessageCountAsync(queue));
    }

    [Fact]
    public async Task DelayedMessageStaysInvisibleUntilDue()
    {
        var queue = await NewQueueAsync();
        var sent = await _client.SendAsync(queue, "later", visibilityDelay: TimeSpan.FromSeconds(1));

        Assert.Empty(await _client.ReceiveAsync(queue, 32, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, await _client.GetApproximateMessageCountAsync(queue));

        // Times on the wire have whole seconds, so the message is due within a second after NextVisibleOn.
        var deadline = sent.NextVisibleOn + TimeSpan.FromSeconds(3);
        IReadOnlyList<QueueMessage> received;
        while ((received = await _client.ReceiveAsync(queue, 32, TimeSpan.FromSeconds(30))).Count == 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var message = Assert.Single(received);
        Assert.True(DateTimeOffset.UtcNow >= sent.NextVisibleOn, "received before it was due");
        Assert.Equal(("later", 1L, sent.MessageId), (message.Text, message.DequeueCount, message.MessageId));
    }

    [Fact]
    public async Task VisibilityUpdatesIssueNewReceiptsAndVoidOldOnes()
    {
        var queue = await NewQueueAsync();
        await _client.SendAsync(queue, "work");
        var first = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30)));
        Assert.Empty(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30)));

        var lease = await _client.UpdateVisibilityAsync(queue, first.MessageId, first.PopReceipt, TimeSpan.Zero);
        Assert.NotEqual(first.PopReceipt, lease.PopReceipt);
        Assert.InRange(lease.NextVisibleOn, DateTimeOffset.UtcNow - Tolerance, DateTimeOffset.UtcNow + Tolerance);

        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => _client.DeleteMessageAsync(queue, first.MessageId, first.PopReceipt));
        Assert.True(StorageErrorCodes.IsLostMessageLease(stale), $"{stale.Status} {stale.ErrorCode}");

        var second = Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30)));
        Assert.Equal((first.MessageId, 2L), (second.MessageId, second.DequeueCount));
        var staleUpdate = await Assert.ThrowsAsync<RequestFailedException>(() => _client.UpdateVisibilityAsync(queue, first.MessageId, lease.PopReceipt, TimeSpan.Zero));
        Assert.True(StorageErrorCodes.IsLostMessageLease(staleUpdate), $"{staleUpdate.Status} {staleUpdate.ErrorCode}");

        await _client.DeleteMessageAsync(queue, second.MessageId, second.PopReceipt);
        Assert.Equal(0, await _client.GetApproximateMessageCountAsync(queue));
        var gone = await Assert.ThrowsAsync<RequestFailedException>(() => _client.DeleteMessageAsync(queue, second.MessageId, second.PopReceipt));
        Assert.Equal((404, StorageErrorCodes.MessageNotFound), (gone.Status, gone.ErrorCode));
        Assert.True(StorageErrorCodes.IsLostMessageLease(gone));
    }

    [Fact]
    public async Task LargestAllowedMessageFitsTheServiceLimit()
    {
        var queue = await NewQueueAsync();
        var text = string.Concat(Enumerable.Repeat("é", QueueRules.MaxMessageBytes / 2));
        await _client.SendAsync(queue, text);
        Assert.Equal(text, Assert.Single(await _client.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(30))).Text);
        await Assert.ThrowsAsync<ArgumentException>(() => _client.SendAsync(queue, text + "x"));
    }

    [Fact]
    public async Task QueueCreationIsIdempotentAndAMissingQueueIs404()
    {
        var queue = await NewQueueAsync();
        await _client.CreateQueueIfNotExistsAsync(queue);

        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => _client.SendAsync("no-such-queue", "x"));
        Assert.Equal((404, StorageErrorCodes.QueueNotFound), (missing.Status, missing.ErrorCode));
        var count = await Assert.ThrowsAsync<RequestFailedException>(() => _client.GetApproximateMessageCountAsync("no-such-queue"));
        Assert.Equal(404, count.Status);
    }

    /// <summary>A request outside the client (same signing policy), to see exactly what is stored.</summary>
    private async Task<string> RawAsync(RequestMethod method, string path, string? query, string? xml = null)
    {
        var account = azurite.Account;
        var pipeline = HttpPipelineBuilder.Build(new QueueClientOptions(), new StorageVersionPolicy("2019-02-02"), new QueueSharedKeyPolicy(account.SharedKey!));
        using var message = pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(account.QueueEndpoint.AbsoluteUri + path + query));
        if (xml is not null)
        {
            message.Request.Headers.SetValue("Content-Type", "application/xml");
            message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(xml));
        }
        await pipeline.SendAsync(message, CancellationToken.None);
        Assert.True(message.Response.Status is 200 or 201, message.Response.Content.ToString());
        return message.Response.Content.ToString();
    }
}
