using Functions.Channels;
using Functions.Conversations;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations;

/// <summary>Inbound messages land in conversations exactly once, whatever order and however often webhooks arrive.</summary>
public sealed class ConversationStoreTests : IAsyncLifetime
{
    private const string Tenant = "shop";
    private const string Sender = "+46850001000";
    private const string Customer = "+46701234567";
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    // Processing happens after sending: the clock stands a day after the messages' times.
    private readonly ManualTimeProvider _time = new(T0.AddDays(1));
    private readonly InterceptingTableStore _tables;
    private readonly ConversationStore _store;

    public ConversationStoreTests()
    {
        _tables = new InterceptingTableStore(new InMemoryTableStore(_time));
        _store = new ConversationStore(_tables, _time);
    }

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(Conversation.Table);
        await _tables.CreateTableIfNotExistsAsync(ConversationMessage.Table);
        await _tables.CreateTableIfNotExistsAsync(ConversationMessage.IndexTable);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static InboundMessageEvent Inbound(string id, DateTimeOffset at, string text = "Hi!", string from = Customer, Referral? referral = null) =>
        new("meta", id, from, Sender, at, MessageKind.Text) { Text = text, Referral = referral, ProfileName = "Astrid" };

    private Task<InboundRecorded> RecordAsync(InboundMessageEvent inbound, string sender = Sender) => _store.RecordInboundAsync(Tenant, sender, inbound, default);

    private async Task<IReadOnlyList<ConversationMessage>> MessagesAsync(string conversationId) =>
        (await _store.ListMessagesAsync(Tenant, conversationId, 100, null, default)).Messages;

    [Fact]
    public async Task AFirstMessageOpensAConversationWithItsWindowAndCountsUnread()
    {
        var recorded = await RecordAsync(Inbound("wamid.1", T0, "Where is my order?"));
        Assert.False(recorded.Duplicate);
        var conversation = recorded.Conversation!;
        Assert.Equal((Customer, Sender, ConversationStatus.Active, 1), (conversation.ContactPhone, conversation.Sender, conversation.Status, conversation.UnreadCount));
        Assert.Equal(T0.AddHours(24), conversation.Window.ExpiresAt);
        Assert.Equal("Where is my order?", conversation.LastMessagePreview);

        var stored = await _store.GetAsync(Tenant, conversation.Id, default);
        Assert.Equal(conversation, stored);
        var message = Assert.Single(await MessagesAsync(conversation.Id));
        Assert.Equal((MessageDirection.Inbound, "Where is my order?", "wamid.1"), (message.Direction, message.Text, message.ProviderMessageId));
    }

    [Fact]
    public async Task AWebhookDeliveredAgainIsRecordedOnce()
    {
        var first = await RecordAsync(Inbound("wamid.dup", T0));
        var again = await RecordAsync(Inbound("wamid.dup", T0));
        Assert.True(again.Duplicate);
        Assert.Equal(first.Message.Id, again.Message.Id);
        Assert.Equal(1, (await _store.GetAsync(Tenant, first.Conversation!.Id, default))!.UnreadCount);
        Assert.Single(await MessagesAsync(first.Conversation!.Id));
    }

    [Fact]
    public async Task TheSameWebhookProcessedConcurrentlyIsRecordedOnce()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => RecordAsync(Inbound("wamid.race", T0)))));
        Assert.Single(results, r => !r.Duplicate);
        var conversationId = results[0].Conversation!.Id;
        Assert.All(results, r => Assert.Equal(conversationId, r.Conversation!.Id));
        Assert.Equal(1, (await _store.GetAsync(Tenant, conversationId, default))!.UnreadCount);
        Assert.Single(await MessagesAsync(conversationId));
    }

    [Fact]
    public async Task ConcurrentFirstMessagesFromANewContactShareOneConversation()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => RecordAsync(Inbound($"wamid.{i}", T0.AddSeconds(i))))));
        Assert.Single(results.Select(r => r.Conversation!.Id).Distinct());
        var conversation = (await _store.GetAsync(Tenant, results[0].Conversation!.Id, default))!;
        Assert.Equal(6, conversation.UnreadCount);
        Assert.Equal(6, (await MessagesAsync(conversation.Id)).Count);
    }

    [Fact]
    public async Task MessagesArrivingOutOfOrderKeepTheLatestWindowAndPreview()
    {
        await RecordAsync(Inbound("wamid.late", T0.AddHours(5), "second"));
        var recorded = await RecordAsync(Inbound("wamid.early", T0, "first"));
        Assert.Equal(T0.AddHours(29), recorded.Conversation!.Window.ExpiresAt);
        Assert.Equal("second", recorded.Conversation!.LastMessagePreview);
        Assert.Equal(["second", "first"], (await MessagesAsync(recorded.Conversation!.Id)).Select(m => m.Text));
    }

    [Fact]
    public async Task AnArchivedConversationReopensWhenTheCustomerWrites()
    {
        var first = await RecordAsync(Inbound("wamid.a1", T0));
        Assert.Equal(ConversationStatus.Archived, (await _store.ArchiveAsync(Tenant, first.Conversation!.Id, default))!.Status);
        var reply = await RecordAsync(Inbound("wamid.a2", T0.AddDays(2)));
        Assert.Equal(first.Conversation!.Id, reply.Conversation!.Id);
        Assert.Equal(ConversationStatus.Active, reply.Conversation!.Status);
    }

    [Fact]
    public async Task AClosedConversationIsFollowedByANewOne()
    {
        var first = await RecordAsync(Inbound("wamid.c1", T0));
        Assert.Equal(ConversationStatus.Closed, (await _store.CloseAsync(Tenant, first.Conversation!.Id, default))!.Status);
        var next = await RecordAsync(Inbound("wamid.c2", T0.AddDays(1)));
        Assert.NotEqual(first.Conversation!.Id, next.Conversation!.Id);
        Assert.Equal(ConversationStatus.Closed, (await _store.GetAsync(Tenant, first.Conversation!.Id, default))!.Status);
        Assert.Equal(ConversationStatus.Closed, (await _store.ArchiveAsync(Tenant, first.Conversation!.Id, default))!.Status); // closed is final
        Assert.Equal(1, next.Conversation!.UnreadCount);
    }

    [Fact]
    public async Task EachSenderAndContactHasItsOwnConversation()
    {
        var a = await RecordAsync(Inbound("wamid.s1", T0));
        var otherSender = await RecordAsync(Inbound("wamid.s2", T0), sender: "+46850002000");
        var otherContact = await RecordAsync(Inbound("wamid.s3", T0, from: "+46709999999"));
        Assert.Equal(3, new[] { a, otherSender, otherContact }.Select(r => r.Conversation!.Id).Distinct().Count());
    }

    [Fact]
    public async Task AnAdReferralIsKeptForTheFreeEntryPoint()
    {
        var recorded = await RecordAsync(Inbound("wamid.ad", T0, referral: new Referral("ad", "120", "https://fb.me/x", "Sale", "clid")));
        Assert.Equal(T0, recorded.Conversation!.Window.ReferralAt);
    }

    [Fact]
    public async Task UnknownConversationsAreNotFound()
    {
        Assert.Null(await _store.GetAsync(Tenant, "cv0000000000000000000", default)); // well-formed, but no such row
        Assert.Null(await _store.GetAsync(Tenant, "not-an-id", default));
        Assert.Null(await _store.CloseAsync(Tenant, "cv0000000000000000000", default));
        var recorded = await RecordAsync(Inbound("wamid.t", T0));
        Assert.Null(await _store.GetAsync("another-tenant", recorded.Conversation!.Id, default));
    }

    [Fact]
    public async Task InOrderMessagesProcessedAfterTheyWereSentMoveThePreview()
    {
        await RecordAsync(Inbound("wamid.o1", T0, "first"));
        var second = await RecordAsync(Inbound("wamid.o2", T0.AddSeconds(2), "second"));
        Assert.Equal("second", second.Conversation!.LastMessagePreview);
        Assert.Equal(T0.AddSeconds(2), second.Conversation.LastMessageAt);
    }

    [Fact]
    public async Task AConversationClosedWhileAMessageIsRecordedGetsNoCopyOfIt()
    {
        var first = await RecordAsync(Inbound("wamid.k1", T0, "a"));
        _tables.BeforeNextTransaction = () => _store.CloseAsync(Tenant, first.Conversation!.Id, default);
        var second = await RecordAsync(Inbound("wamid.k2", T0.AddMinutes(1), "b"));

        Assert.NotEqual(first.Conversation!.Id, second.Conversation!.Id);
        Assert.Equal(["a"], (await MessagesAsync(first.Conversation.Id)).Select(m => m.Text));
        Assert.Equal(["b"], (await MessagesAsync(second.Conversation.Id)).Select(m => m.Text));
    }

    [Fact]
    public async Task ACrashBetweenTheCommitAndTheMessageRowIsCompletedByTheRedelivery()
    {
        _tables.FailNextInsertInto = ConversationMessage.Table;
        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => RecordAsync(Inbound("wamid.crash", T0, "lost?")));

        var redelivered = await RecordAsync(Inbound("wamid.crash", T0, "lost?"));
        Assert.True(redelivered.Duplicate);
        Assert.Equal(["lost?"], (await MessagesAsync(redelivered.Message.ConversationId)).Select(m => m.Text));
        Assert.Equal(1, (await _store.GetAsync(Tenant, redelivered.Message.ConversationId, default))!.UnreadCount);
    }

    [Theory]
    [InlineData("wamid.a/b#c?d\\e")]
    [InlineData("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=")]
    public async Task ProviderIdsWithAnyCharactersAreRecordedAndDeduplicated(string id)
    {
        var first = await RecordAsync(Inbound(id + new string('x', 1200), T0));
        var again = await RecordAsync(Inbound(id + new string('x', 1200), T0));
        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
    }

    [Fact]
    public void APreviewNeverSplitsAnEmoji()
    {
        var text = new string('a', Conversation.PreviewLength - 2) + "😀😀";
        var preview = Conversation.Preview(text);
        Assert.False(char.IsHighSurrogate(preview[^2]) && !char.IsLowSurrogate(preview[^1]));
        Assert.EndsWith("…", preview);
        Assert.Equal(preview.Length, System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(preview)).Length);
    }
}
