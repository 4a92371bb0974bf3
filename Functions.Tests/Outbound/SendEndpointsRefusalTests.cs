using System.Net;
using System.Net.Http.Json;
using System.Text;
using Functions.Conversations;
using Functions.Outbound;
using Functions.Storage;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Outbound;

/// <summary>
/// Every sending and conversation endpoint answers bad, unauthorised and cross-tenant requests
/// with a 4xx problem body and leaves storage and the send queue as they were.
/// </summary>
public sealed class SendEndpointsRefusalTests(SendEndpointsRefusalTests.DrivenApp driven) : IClassFixture<SendEndpointsRefusalTests.DrivenApp>
{
    public const string Customer = "+46703330001";

    public sealed class DrivenApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;
        public string ConversationId { get; private set; } = "";
        public string ClosedConversationId { get; private set; } = "";
        public HttpClient Orders { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await SendingApp.StartAsync(driven: true);
            ConversationId = (await App.CustomerWritesAsync("mt", Customer, App.Clock!.GetUtcNow())).Id;
            var closed = await App.CustomerWritesAsync("mt", "+46703330002", App.Clock.GetUtcNow());
            await App.Get<ConversationStore>().CloseAsync("mt", closed.Id, default);
            ClosedConversationId = closed.Id;
            Orders = await App.ClientAsync("mt", "orders");
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = driven.App;

    /// <summary>What a refused request must leave alone: the tenant's message index and the send queue.</summary>
    private async Task<(int IndexRows, int Queued)> StateAsync() => (
        (await _app.Get<ITableStore>().QueryAllAsync(ConversationMessage.IndexTable, new TableQuery("mt"), default)).Count,
        await _app.Get<IQueueStore>().GetApproximateMessageCountAsync(OutboundMessages.Queue));

    private async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        if (status != HttpStatusCode.Unauthorized)
        {
            var problem = await SendingApp.ReadProblemAsync(response);
            if (field is not null) Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names '{field}': {problem}");
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static TheoryData<string, string, HttpStatusCode, string?> BadSends => new()
    {
        { "malformed JSON", """{"to": "+46703330001", "type": "text", "text": """, HttpStatusCode.BadRequest, null },
        { "unknown type", """{"to":"+46703330001","type":"fax","text":"hi"}""", HttpStatusCode.BadRequest, "type" },
        { "no text", """{"to":"+46703330001","type":"text"}""", HttpStatusCode.BadRequest, "text" },
        { "text too long", $$"""{"to":"+46703330001","type":"text","text":"{{new string('a', 4097)}}"}""", HttpStatusCode.BadRequest, "text" },
        { "no recipient", """{"type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "to" },
        { "not a phone number", """{"to":"call me","type":"text","text":"hi"}""", HttpStatusCode.BadRequest, "to" },
        { "media without a URL", """{"to":"+46703330001","type":"image","media":{"caption":"x"}}""", HttpStatusCode.BadRequest, "media.url" },
        { "media URL not http", """{"to":"+46703330001","type":"image","media":{"url":"ftp://x/y.png"}}""", HttpStatusCode.BadRequest, "media.url" },
        { "location out of range", """{"to":"+46703330001","type":"location","location":{"latitude":91,"longitude":0}}""", HttpStatusCode.BadRequest, "location.latitude" },
        { "template name with capitals", """{"to":"+46703330001","type":"template","template":{"name":"Order","language":"en"}}""", HttpStatusCode.BadRequest, "template.name" },
        { "template language not a code", """{"to":"+46703330001","type":"template","template":{"name":"o","language":"english"}}""", HttpStatusCode.BadRequest, "template.language" },
        { "template parameter too long", """{"to":"+46703330001","type":"template","template":{"name":"o","parameters":{"1":""" + "\"" + new string('x', 1025) + "\"}}}", HttpStatusCode.BadRequest, "template.parameters.1" },
        { "four buttons", """{"to":"+46703330001","type":"interactive","interactive":{"body":"Pick","buttons":[{"id":"a","title":"A"},{"id":"b","title":"B"},{"id":"c","title":"C"},{"id":"d","title":"D"}]}}""", HttpStatusCode.BadRequest, "interactive.buttons" },
        { "reaction to nothing", """{"to":"+46703330001","type":"reaction","reaction":{"messageId":"msg0000000000000000000","emoji":"👍"}}""", HttpStatusCode.BadRequest, "reaction.messageId" },
        { "oversized body", $$"""{"to":"+46703330001","type":"text","text":"{{new string('a', 300_000)}}"}""", HttpStatusCode.RequestEntityTooLarge, null },
    };

    [Theory]
    [MemberData(nameof(BadSends))]
    public async Task ABadSendIsRefusedNamingTheFieldAndChangesNothing(string why, string json, HttpStatusCode status, string? field)
    {
        var before = await StateAsync();

        await AssertRefusedAsync(await _app.MetaAdmin.PostAsync("/api/messages", Json(json)), status, field);
        if (status == HttpStatusCode.BadRequest && field is not ("to" or null))
        {
            // The same body in the conversation (without "to") is refused the same way.
            var inConversation = json.Replace("\"to\":\"+46703330001\",", "", StringComparison.Ordinal);
            await AssertRefusedAsync(await _app.MetaAdmin.PostAsync($"/api/conversations/{driven.ConversationId}/messages", Json(inConversation)), status, field);
        }

        Assert.True(before == await StateAsync(), $"{why}: nothing may change");
        Assert.Empty(_app.Meta.Requests);
    }

    [Fact]
    public async Task ABadIdempotencyKeyIsRefused()
    {
        var before = await StateAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = Json("""{"to":"+46703330001","type":"text","text":"hi"}""") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 256));

        await AssertRefusedAsync(await _app.MetaAdmin.SendAsync(request), HttpStatusCode.BadRequest, "Idempotency-Key");
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task WhatTheProviderCannotSendIsRefusedUpFront()
    {
        // Twilio sends buttons only as Content templates.
        await _app.CustomerWritesAsync("tw", Customer, _app.Clock!.GetUtcNow());
        var response = await _app.TwilioAdmin.PostAsync("/api/messages",
            Json("""{"to":"+46703330001","type":"interactive","interactive":{"body":"Pick","buttons":[{"id":"a","title":"A"}]}}"""));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "type");
        Assert.Empty(_app.Twilio.Requests);
    }

    [Fact]
    public async Task KeysWithoutTheRightRoleOrNoKeyAreRefused()
    {
        var before = await StateAsync();
        var body = """{"to":"+46703330001","type":"text","text":"hi"}""";
        var anonymous = _app.Api.Client(null);

        await AssertRefusedAsync(await anonymous.PostAsync("/api/messages", Json(body)), HttpStatusCode.Unauthorized);
        await AssertRefusedAsync(await _app.Api.Client("wab_mt.nope.nope").PostAsync("/api/messages", Json(body)), HttpStatusCode.Unauthorized);
        await AssertRefusedAsync(await driven.Orders.PostAsync("/api/messages", Json(body)), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await _app.Api.Operator().PostAsync("/api/messages", Json(body)), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await driven.Orders.GetAsync($"/api/conversations/{driven.ConversationId}"), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await anonymous.GetAsync($"/api/conversations/{driven.ConversationId}/messages"), HttpStatusCode.Unauthorized);
        await AssertRefusedAsync(await anonymous.GetAsync("/api/messages/msg0000000000000000000"), HttpStatusCode.Unauthorized);
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task AnotherTenantsConversationsAndMessagesAreNotFound()
    {
        var accepted = await _app.MetaAdmin.PostAsync($"/api/conversations/{driven.ConversationId}/messages", Json("""{"type":"text","text":"Hello"}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var messageId = (await SendingApp.ReadMessageAsync(accepted)).Id;
        var before = await StateAsync();

        // The Twilio tenant's admin tries the Meta tenant's conversation and message.
        await AssertRefusedAsync(await _app.TwilioAdmin.GetAsync($"/api/conversations/{driven.ConversationId}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await _app.TwilioAdmin.GetAsync($"/api/conversations/{driven.ConversationId}/messages"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await _app.TwilioAdmin.GetAsync($"/api/messages/{messageId}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await _app.TwilioAdmin.PostAsync($"/api/conversations/{driven.ConversationId}/messages", Json("""{"type":"text","text":"Hi"}""")), HttpStatusCode.NotFound);

        Assert.Equal(before, await StateAsync());
        await _app.RunSendsAsync();
    }

    [Theory]
    [InlineData("/api/conversations/cv0000000000000000000")]
    [InlineData("/api/conversations/not-an-id")]
    [InlineData("/api/conversations/cv0000000000000000000/messages")]
    [InlineData("/api/messages/msg0000000000000000000")]
    [InlineData("/api/messages/..%2Fconversations")]
    public async Task UnknownIdsAreNotFound(string path) =>
        await AssertRefusedAsync(await _app.MetaAdmin.GetAsync(path), HttpStatusCode.NotFound);

    [Fact]
    public async Task AClosedConversationTakesNoMoreMessagesAndBadPagingIsRefused()
    {
        var before = await StateAsync();
        var closed = await _app.MetaAdmin.PostAsync($"/api/conversations/{driven.ClosedConversationId}/messages", Json("""{"type":"text","text":"Hi"}"""));
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.Equal("conversation_closed", (await SendingApp.ReadProblemAsync(closed)).GetProperty("code").GetString());

        await AssertRefusedAsync(await _app.MetaAdmin.PostAsync($"/api/conversations/{driven.ConversationId}/messages", Json("""{"to":"+46703330009","type":"text","text":"Hi"}""")), HttpStatusCode.BadRequest, "to");
        await AssertRefusedAsync(await _app.MetaAdmin.GetAsync($"/api/conversations/{driven.ConversationId}/messages?pageSize=0"), HttpStatusCode.BadRequest, "pageSize");
        await AssertRefusedAsync(await _app.MetaAdmin.GetAsync($"/api/conversations/{driven.ConversationId}/messages?continuationToken=garbage"), HttpStatusCode.BadRequest, "continuationToken");
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task TheMessagesOfAConversationPageNewestFirst()
    {
        var conversation = await _app.CustomerWritesAsync("mt", "+46703330003", _app.Clock!.GetUtcNow());
        for (var i = 1; i <= 3; i++)
        {
            _app.Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.Accepted, (await _app.MetaAdmin.PostAsync($"/api/conversations/{conversation.Id}/messages", Json($$"""{"type":"text","text":"Reply {{i}}"}"""))).StatusCode);
        }

        var first = await _app.MetaAdmin.GetFromJsonAsync<MessagePage>($"/api/conversations/{conversation.Id}/messages?pageSize=2", TestJson.Options);
        var second = await _app.MetaAdmin.GetFromJsonAsync<MessagePage>(
            $"/api/conversations/{conversation.Id}/messages?pageSize=2&continuationToken={Uri.EscapeDataString(first!.ContinuationToken!)}", TestJson.Options);

        Assert.Equal(["Reply 3", "Reply 2", "Reply 1", "Hi, where is my order?"], first.Items.Concat(second!.Items).Select(m => m.Text));
        Assert.Null(second.ContinuationToken);
        await _app.RunSendsAsync();
    }
}
