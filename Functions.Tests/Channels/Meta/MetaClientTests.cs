using System.Net;
using System.Net.Sockets;
using Functions.Channels;
using Functions.Channels.Meta;

namespace Functions.Tests.Channels.Meta;

/// <summary>The Cloud API client over real HTTP against <see cref="FakeGraphServer"/> on 127.0.0.1.</summary>
public sealed class MetaClientTests : IAsyncLifetime
{
    private const string To = "+15551234567";

    private static readonly MetaAccount Account = new("106540352242922", "102290129340398", "EAAGtestTOKEN123", "0123456789abcdef0123456789abcdef", "verify-me-please");

    private FakeGraphServer _graph = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _graph = await FakeGraphServer.StartAsync();
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _graph.DisposeAsync();
    }

    private MetaClient Client(TimeSpan? timeout = null) =>
        new(_http, new MetaClientOptions { BaseUrl = _graph.BaseUrl, Timeout = timeout ?? TimeSpan.FromSeconds(5) });

    private async Task<GraphRequest> SendAndCaptureAsync(OutboundMessage message)
    {
        var receipt = await Client().SendAsync(Account, message);
        Assert.Equal(new SendReceipt("wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA", DeliveryStatus.Queued), receipt);
        return Assert.Single(_graph.Requests);
    }

    [Fact]
    public async Task TextGoesToTheVersionedMessagesEdgeWithTheBearerToken()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Text) { Text = "Your order has shipped." });

        Assert.Equal("POST", request.Method);
        Assert.Equal("/v25.0/106540352242922/messages", request.PathAndQuery);
        Assert.Equal("Bearer EAAGtestTOKEN123", request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        JsonAssert.Equivalent("""
            {"messaging_product":"whatsapp","recipient_type":"individual","to":"+15551234567","type":"text",
             "text":{"body":"Your order has shipped."}}
            """, request.Body);
    }

    [Fact]
    public async Task TextWithALinkAsksForAPreview()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Text) { Text = "Track it at https://example.com/t/42 ✅" });

        JsonAssert.Equivalent("""
            {"messaging_product":"whatsapp","recipient_type":"individual","to":"+15551234567","type":"text",
             "text":{"body":"Track it at https://example.com/t/42 ✅","preview_url":true}}
            """, request.Body);
    }

    [Fact]
    public async Task ClientReferenceTravelsAsOpaqueCallbackData()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Text) { Text = "Hi", ClientReference = "msg-01J9ZK" });

        JsonAssert.Equivalent("""
            {"messaging_product":"whatsapp","recipient_type":"individual","to":"+15551234567","type":"text",
             "biz_opaque_callback_data":"msg-01J9ZK","text":{"body":"Hi"}}
            """, request.Body);
    }

    public static TheoryData<MessageKind, MediaContent, string> MediaMessages => new()
    {
        { MessageKind.Image, new MediaContent(new Uri("https://cdn.example.com/p/shoe.jpg"), "image/jpeg", "Red shoe, size 42"),
          """{"type":"image","image":{"link":"https://cdn.example.com/p/shoe.jpg","caption":"Red shoe, size 42"}}""" },
        { MessageKind.Video, new MediaContent(new Uri("https://cdn.example.com/v/unboxing.mp4"), Caption: "Unboxing"),
          """{"type":"video","video":{"link":"https://cdn.example.com/v/unboxing.mp4","caption":"Unboxing"}}""" },
        { MessageKind.Audio, new MediaContent(new Uri("https://cdn.example.com/a/welcome.ogg"), "audio/ogg"),
          """{"type":"audio","audio":{"link":"https://cdn.example.com/a/welcome.ogg"}}""" },
        { MessageKind.Document, new MediaContent(new Uri("https://cdn.example.com/d/inv-1042.pdf"), "application/pdf", "Your invoice", "Invoice 1042.pdf"),
          """{"type":"document","document":{"link":"https://cdn.example.com/d/inv-1042.pdf","caption":"Your invoice","filename":"Invoice 1042.pdf"}}""" },
        { MessageKind.Sticker, new MediaContent(new Uri("https://cdn.example.com/s/thanks.webp"), "image/webp"),
          """{"type":"sticker","sticker":{"link":"https://cdn.example.com/s/thanks.webp"}}""" },
    };

    [Theory]
    [MemberData(nameof(MediaMessages))]
    public async Task MediaIsSentByLink(MessageKind kind, MediaContent media, string expectedContent)
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, kind) { Media = media });

        JsonAssert.Equivalent(WithEnvelope(expectedContent), request.Body);
    }

    [Fact]
    public async Task LocationCarriesCoordinatesNameAndAddress()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Location)
        {
            Location = new LocationContent(52.370216, 4.895168, "Pickup point", "Damrak 1, Amsterdam"),
        });

        JsonAssert.Equivalent(WithEnvelope("""
            {"type":"location","location":{"latitude":52.370216,"longitude":4.895168,"name":"Pickup point","address":"Damrak 1, Amsterdam"}}
            """), request.Body);
    }

    [Fact]
    public async Task PositionalTemplateVariablesGoInNumericOrderAfterTheMediaHeader()
    {
        var variables = Enumerable.Range(1, 10).ToDictionary(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture), i => $"v{i}");
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Template)
        {
            Template = new TemplateContent("order_update", "en_US", variables.Reverse().ToDictionary(),
                HeaderMedia: new MediaContent(new Uri("https://cdn.example.com/p/order.png"), "image/png")),
        });

        JsonAssert.Equivalent(WithEnvelope("""
            {"type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[
              {"type":"header","parameters":[{"type":"image","image":{"link":"https://cdn.example.com/p/order.png"}}]},
              {"type":"body","parameters":[
                {"type":"text","text":"v1"},{"type":"text","text":"v2"},{"type":"text","text":"v3"},{"type":"text","text":"v4"},
                {"type":"text","text":"v5"},{"type":"text","text":"v6"},{"type":"text","text":"v7"},{"type":"text","text":"v8"},
                {"type":"text","text":"v9"},{"type":"text","text":"v10"}]}]}}
            """), request.Body);
    }

    [Fact]
    public async Task NamedTemplateVariablesCarryTheirParameterName()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Template)
        {
            Template = new TemplateContent("order_confirmation", "pt-BR",
                new Dictionary<string, string> { ["order_number"] = "SKBUP2-4CPIG9", ["customer_name"] = "Jessica" },
                HeaderMedia: new MediaContent(new Uri("https://cdn.example.com/d/receipt.pdf"), "application/pdf", FileName: "receipt.pdf")),
        });

        JsonAssert.Equivalent(WithEnvelope("""
            {"type":"template","template":{"name":"order_confirmation","language":{"code":"pt_BR"},"components":[
              {"type":"header","parameters":[{"type":"document","document":{"link":"https://cdn.example.com/d/receipt.pdf","filename":"receipt.pdf"}}]},
              {"type":"body","parameters":[
                {"type":"text","parameter_name":"customer_name","text":"Jessica"},
                {"type":"text","parameter_name":"order_number","text":"SKBUP2-4CPIG9"}]}]}}
            """), request.Body);
    }

    [Fact]
    public async Task TemplateWithoutVariablesHasNoComponents()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Template)
        {
            Template = new TemplateContent("hello_world", "en_US", new Dictionary<string, string>()),
        });

        JsonAssert.Equivalent(WithEnvelope("""{"type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}"""), request.Body);
    }

    [Fact]
    public async Task ReplyButtonsWithHeaderAndFooter()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Interactive)
        {
            Interactive = new InteractiveContent("Did your parcel arrive?",
                Buttons: [new ReplyButton("arrived", "Yes"), new ReplyButton("missing", "No"), new ReplyButton("agent", "Talk to us")],
                Header: "Parcel 1042", Footer: "Reply any time"),
        });

        JsonAssert.Equivalent(WithEnvelope("""
            {"type":"interactive","interactive":{"type":"button",
              "header":{"type":"text","text":"Parcel 1042"},
              "body":{"text":"Did your parcel arrive?"},
              "footer":{"text":"Reply any time"},
              "action":{"buttons":[
                {"type":"reply","reply":{"id":"arrived","title":"Yes"}},
                {"type":"reply","reply":{"id":"missing","title":"No"}},
                {"type":"reply","reply":{"id":"agent","title":"Talk to us"}}]}}}
            """), request.Body);
    }

    [Fact]
    public async Task ListWithSectionsAndRows()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Interactive)
        {
            Interactive = new InteractiveContent("Pick a delivery slot",
                ListButton: "Slots",
                Sections:
                [
                    new ListSection("Tomorrow", [new ListRow("t-am", "Morning", "08:00–12:00"), new ListRow("t-pm", "Afternoon")]),
                    new ListSection("Friday", [new ListRow("f-am", "Morning", "08:00–12:00")]),
                ]),
        });

        JsonAssert.Equivalent(WithEnvelope("""
            {"type":"interactive","interactive":{"type":"list",
              "body":{"text":"Pick a delivery slot"},
              "action":{"button":"Slots","sections":[
                {"title":"Tomorrow","rows":[{"id":"t-am","title":"Morning","description":"08:00–12:00"},{"id":"t-pm","title":"Afternoon"}]},
                {"title":"Friday","rows":[{"id":"f-am","title":"Morning","description":"08:00–12:00"}]}]}}}
            """), request.Body);
    }

    [Fact]
    public async Task ReactionNamesTheMessageAndEmoji()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(To, MessageKind.Reaction)
        {
            Reaction = new ReactionContent("wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQTdBRjM0RkY5QTNEMDU3RjE5MAA=", "👍"),
        });

        JsonAssert.Equivalent(WithEnvelope("""
            {"type":"reaction","reaction":{"message_id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQTdBRjM0RkY5QTNEMDU3RjE5MAA=","emoji":"👍"}}
            """), request.Body);
    }

    public static TheoryData<OutboundMessage> UnsendableMessages => new()
    {
        new OutboundMessage("15551234567", MessageKind.Text) { Text = "no plus" },
        new OutboundMessage("+1555 1234567", MessageKind.Text) { Text = "space" },
        new OutboundMessage(To, MessageKind.Text),
        new OutboundMessage(To, MessageKind.Image) { Media = new MediaContent(new Uri("file:///tmp/x.jpg")) },
        new OutboundMessage(To, MessageKind.Audio) { Media = new MediaContent(new Uri("https://cdn.example.com/a.ogg"), Caption: "dropped?") },
        new OutboundMessage(To, MessageKind.Template) { Template = new TemplateContent("t", "en", new Dictionary<string, string> { ["1"] = "a", ["name"] = "b" }) },
        new OutboundMessage(To, MessageKind.Template) { Template = new TemplateContent("t", "en", new Dictionary<string, string> { ["1"] = "a", ["3"] = "c" }) },
        new OutboundMessage(To, MessageKind.Interactive)
        {
            Interactive = new InteractiveContent("Too many", Buttons: [new("a", "A"), new("b", "B"), new("c", "C"), new("d", "D")]),
        },
        new OutboundMessage(To, MessageKind.Interactive) { Interactive = new InteractiveContent("List without label", Sections: [new ListSection("S", [new ListRow("r", "R")])]) },
        new OutboundMessage(To, MessageKind.Location) { Location = new LocationContent(91, 0) },
        new OutboundMessage(To, MessageKind.Unsupported),
    };

    [Theory]
    [MemberData(nameof(UnsendableMessages))]
    public async Task UnsendableContentIsRefusedBeforeAnythingIsSent(OutboundMessage message)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().SendAsync(Account, message));

        Assert.Empty(_graph.Requests);
    }

    [Fact]
    public async Task AcceptedMessageStatusIsStillQueued()
    {
        _graph.Respond = _ => new GraphReply(200,
            """{"messaging_product":"whatsapp","contacts":[{"input":"+15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.ABC","message_status":"accepted"}]}""");

        var receipt = await Client().SendAsync(Account, new OutboundMessage(To, MessageKind.Text) { Text = "Hi" });

        Assert.Equal(new SendReceipt("wamid.ABC", DeliveryStatus.Queued), receipt);
    }

    [Fact]
    public async Task AnAnswerWithoutMessageIdIsAnUnknownOutcome()
    {
        _graph.Respond = _ => new GraphReply(200, """{"messaging_product":"whatsapp"}""");

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() => Client().SendAsync(Account, new OutboundMessage(To, MessageKind.Text) { Text = "Hi" }));
    }

    public static TheoryData<int, int, FailureReason, bool> GraphErrors => new()
    {
        { 400, 131047, FailureReason.OutsideCareWindow, false },
        { 400, 131026, FailureReason.InvalidRecipient, false },
        { 400, 131050, FailureReason.RecipientOptedOut, false },
        { 404, 132001, FailureReason.TemplateProblem, false },
        { 401, 190, FailureReason.Unauthorized, false },
        { 400, 100, FailureReason.InvalidRequest, false },
        { 400, 131056, FailureReason.RateLimited, true },
        { 500, 131000, FailureReason.ProviderUnavailable, true },
    };

    [Theory]
    [MemberData(nameof(GraphErrors))]
    public async Task GraphErrorsBecomeReasons(int status, int code, FailureReason reason, bool retryable)
    {
        _graph.Respond = _ => GraphReply.Error(status, code, $"(#{code}) Something specific", "Details Meta gives for this code.");

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(To, MessageKind.Text) { Text = "Hi" }));

        Assert.Equal(code.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Error.Code);
        Assert.Equal(reason, e.Error.Reason);
        Assert.Equal(status, e.HttpStatus);
        Assert.Equal(retryable, e.IsRetryable);
        Assert.Null(e.RetryAfter);
        Assert.Equal($"(#{code}) Something specific: Details Meta gives for this code. [fbtrace_id AbCdEfGhIjK]", e.Error.Message);
    }

    [Fact]
    public async Task ThroughputLimitHonoursRetryAfter()
    {
        _graph.Respond = _ => GraphReply.Error(429, 130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached.", ("Retry-After", "7"));

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(To, MessageKind.Text) { Text = "Hi" }));

        Assert.Equal(FailureReason.RateLimited, e.Error.Reason);
        Assert.Equal(429, e.HttpStatus);
        Assert.True(e.IsRetryable);
        Assert.Equal(TimeSpan.FromSeconds(7), e.RetryAfter);
    }

    [Fact]
    public async Task ServerErrorWithoutGraphBodyIsRetryableProviderUnavailable()
    {
        _graph.Respond = _ => new GraphReply(500, "<html><body>Internal Server Error</body></html>");

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(To, MessageKind.Text) { Text = "Hi" }));

        Assert.Equal("http_500", e.Error.Code);
        Assert.Equal(FailureReason.ProviderUnavailable, e.Error.Reason);
        Assert.True(e.IsRetryable);
    }

    [Fact]
    public async Task SlowAnswerIsAnUnknownOutcomeAndIsNotResent()
    {
        _graph.Respond = _ => GraphReply.Accepted with { Delay = TimeSpan.FromSeconds(10) };
        var started = DateTime.UtcNow;

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() =>
            Client(TimeSpan.FromSeconds(2)).SendAsync(Account, new OutboundMessage(To, MessageKind.Text) { Text = "Hi" }));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Single(_graph.Requests);
    }

    [Fact]
    public async Task CallerCancellationPropagates()
    {
        _graph.Respond = _ => GraphReply.Accepted with { Delay = TimeSpan.FromSeconds(10) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Client().SendAsync(Account, new OutboundMessage(To, MessageKind.Text) { Text = "Hi" }, cancel.Token));

        Assert.Equal(cancel.Token, e.CancellationToken);
    }

    [Fact]
    public async Task NoConnectionMeansNothingWasSent()
    {
        var client = new MetaClient(_http, new MetaClientOptions { BaseUrl = new Uri($"http://127.0.0.1:{ClosedPort()}"), Timeout = TimeSpan.FromSeconds(5) });

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Account, new OutboundMessage(To, MessageKind.Text) { Text = "Hi" }));

        Assert.Equal(HttpRequestError.ConnectionError, e.HttpRequestError);
    }

    [Fact]
    public async Task MarkReadPostsTheReadStatus()
    {
        _graph.Respond = _ => new GraphReply(200, """{"success":true}""");

        await Client().MarkReadAsync(Account, "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUFCQkNDREQA");

        var request = Assert.Single(_graph.Requests);
        Assert.Equal("/v25.0/106540352242922/messages", request.PathAndQuery);
        Assert.Equal("Bearer EAAGtestTOKEN123", request.Header("Authorization"));
        JsonAssert.Equivalent("""{"messaging_product":"whatsapp","status":"read","message_id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUFCQkNDREQA"}""", request.Body);
    }

    [Fact]
    public async Task MarkReadOfAnUnknownMessageIsAnInvalidRequest()
    {
        _graph.Respond = _ => GraphReply.Error(400, 131009, "(#131009) Parameter value is not valid", "Message id is invalid.");

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().MarkReadAsync(Account, "wamid.nope"));

        Assert.Equal(FailureReason.InvalidRequest, e.Error.Reason);
        Assert.False(e.IsRetryable);
    }

    [Fact]
    public void ConstructorValidatesArguments()
    {
        Assert.Throws<ArgumentNullException>(() => new MetaClient(null!, new MetaClientOptions()));
        Assert.Throws<ArgumentNullException>(() => new MetaClient(_http, null!));
        Assert.Throws<ArgumentException>(() => new MetaClient(_http, new MetaClientOptions { ApiVersion = "25" }));
        Assert.Throws<ArgumentException>(() => new MetaClient(_http, new MetaClientOptions { BaseUrl = new Uri("ftp://graph.example") }));
        Assert.Throws<ArgumentException>(() => new MetaClient(_http, new MetaClientOptions { Timeout = TimeSpan.Zero }));
    }

    private static string WithEnvelope(string content)
    {
        var inner = content.Trim();
        return """{"messaging_product":"whatsapp","recipient_type":"individual","to":"+15551234567",""" + inner[1..];
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
