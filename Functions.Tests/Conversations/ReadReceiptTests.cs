using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Conversations;
using Functions.Tests.Channels.Meta;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Conversations;

/// <summary>Mark read per provider: Meta gets a read receipt for the newest customer message; Twilio has none to send.</summary>
public sealed class ReadReceiptTests(ReadReceiptTests.DrivenApp driven) : IClassFixture<ReadReceiptTests.DrivenApp>
{
    /// <summary>One app for the class: tests run one after another within it, each with its own customer.</summary>
    public sealed class DrivenApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await SendingApp.StartAsync(driven: true);

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = driven.App;

    private static async Task<MarkReadView> MarkReadAsync(HttpClient client, string conversationId)
    {
        var response = await client.PostAsync($"/api/conversations/{conversationId}/read", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<MarkReadView>(TestJson.Options))!;
    }

    private List<JsonElement> ReadReceipts(string messageId) =>
        [.. _app.Meta.Requests.Where(r => r.Method == "POST" && r.PathAndQuery.EndsWith("/messages", StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Where(b => b.TryGetProperty("status", out var s) && s.GetString() == "read" && b.GetProperty("message_id").GetString() == messageId)];

    [Fact]
    public async Task MetaGetsAReadReceiptForTheNewestCustomerMessageOnce()
    {
        var at = _app.Clock!.GetUtcNow();
        await _app.CustomerWritesAsync("mt", "+46701234567", at.AddMinutes(-2), "Hi");
        var conversation = await _app.CustomerWritesAsync("mt", "+46701234567", at.AddMinutes(-1), "Hello?");

        var result = await MarkReadAsync(_app.MetaAdmin, conversation.Id);
        Assert.Equal((ReadReceiptOutcome.Sent, 0), (result.ReadReceipt, result.Conversation.UnreadCount));
        var receipt = Assert.Single(ReadReceipts(conversation.LastInboundProviderMessageId!));
        Assert.Equal("whatsapp", receipt.GetProperty("messaging_product").GetString());

        Assert.Equal(ReadReceiptOutcome.AlreadySent, (await MarkReadAsync(_app.MetaAdmin, conversation.Id)).ReadReceipt);
        Assert.Single(ReadReceipts(conversation.LastInboundProviderMessageId!));
    }

    [Fact]
    public async Task AMetaErrorStillClearsTheUnreadCount()
    {
        var conversation = await _app.CustomerWritesAsync("mt", "+46701234568", _app.Clock!.GetUtcNow().AddMinutes(-1));
        _app.Meta.Respond = _ => GraphReply.Error(400, 131009, "Parameter value is not valid", "Message id too old");

        var result = await MarkReadAsync(_app.MetaAdmin, conversation.Id);
        Assert.Equal((ReadReceiptOutcome.Failed, 0), (result.ReadReceipt, result.Conversation.UnreadCount));
        _app.Meta.Respond = _ => GraphReply.Accepted;
        Assert.Equal(ReadReceiptOutcome.Sent, (await MarkReadAsync(_app.MetaAdmin, conversation.Id)).ReadReceipt); // tried again next time
    }

    [Fact]
    public async Task TwilioHasNoReadReceiptsButTheUnreadCountIsCleared()
    {
        var conversation = await _app.CustomerWritesAsync("tw", "+46701234569", _app.Clock!.GetUtcNow().AddMinutes(-1));
        var result = await MarkReadAsync(_app.TwilioAdmin, conversation.Id);
        Assert.Equal((ReadReceiptOutcome.NotSupported, 0), (result.ReadReceipt, result.Conversation.UnreadCount));
        Assert.Empty(_app.Twilio.Requests); // nothing was ever sent to Twilio in this class
    }
}
