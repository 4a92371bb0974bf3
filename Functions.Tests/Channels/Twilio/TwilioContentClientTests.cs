using System.Net;
using System.Net.Sockets;
using System.Text;
using Functions.Channels;
using Functions.Channels.Twilio;
using Functions.Templates;
using Functions.Tests.Channels.Meta;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

using Functions.Tests.TestSupport;

namespace Functions.Tests.Channels.Twilio;

/// <summary>
/// <see cref="TwilioContentClient"/> over real HTTP against <see cref="FakeTwilioServer"/> on 127.0.0.1
/// playing content.twilio.com: the exact JSON per component combination, the variable numbering,
/// approval requests and reads, authentication and failures.
/// </summary>
public sealed class TwilioContentClientTests : IAsyncLifetime
{
    private const string AccountSid = TwilioClientTests.AccountSid;
    private const string AuthToken = TwilioClientTests.AuthToken;
    private const string ContentSid = "HXb5b62575e6e4ff6129ad7c8efe1f983e";

    private static readonly TwilioAccount Account = new(AccountSid, authToken: AuthToken, from: TwilioClientTests.Sender);

    private FakeTwilioServer _twilio = null!;
    private readonly HttpClient _http = new();
    private readonly ListLogger<TwilioContentClient> _log = new();

    public async Task InitializeAsync()
    {
        _twilio = await FakeTwilioServer.StartAsync();
        _twilio.Respond = (_, context) => ContentCreated(context, ContentSid);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _twilio.DisposeAsync();
    }

    /// <summary>The Messages API URL points at a closed port: every request here must go to the Content API's own URL.</summary>
    private TwilioContentClient Client(TimeSpan? timeout = null) => new(
        _http,
        new TwilioClientOptions { BaseUrl = new Uri($"http://127.0.0.1:{ClosedPort()}/"), ContentBaseUrl = _twilio.BaseUrl, Timeout = timeout ?? TimeSpan.FromSeconds(5) },
        _log);

    /// <summary>Twilio's 201 answer to a content create (abridged).</summary>
    private static Task ContentCreated(HttpContext context, string sid) =>
        FakeTwilioServer.Json(context, 201, $$$"""
            {"account_sid":"{{{AccountSid}}}","date_created":"2026-05-01T10:00:00Z","date_updated":"2026-05-01T10:00:00Z",
             "friendly_name":"order_shipped","language":"en","sid":"{{{sid}}}","types":{},"variables":{},
             "url":"https://content.twilio.com/v1/Content/{{{sid}}}",
             "links":{"approval_create":"https://content.twilio.com/v1/Content/{{{sid}}}/ApprovalRequests/whatsapp",
                      "approval_fetch":"https://content.twilio.com/v1/Content/{{{sid}}}/ApprovalRequests"}}
            """);

    private static TemplateDefinition Definition(TemplateComponents components, string language = "en") =>
        new("order_shipped", language, TemplateCategory.Utility, components);

    private static Dictionary<string, string> Examples(params (string Key, string Value)[] examples) =>
        examples.ToDictionary(e => e.Key, e => e.Value);

    private async Task<TwilioRecordedRequest> CreateAndCaptureAsync(TemplateDefinition definition)
    {
        Assert.Equal(ContentSid, await Client().CreateAsync(Account, definition));
        return Assert.Single(_twilio.Requests);
    }

    [Fact]
    public async Task ABodyOnlyTemplateIsTwilioTextWithItsSamples()
    {
        var request = await CreateAndCaptureAsync(Definition(new TemplateComponents(
            "Hi {{1}}, your order {{2}} is on its way.", Examples(("2", "SKBUP2-4CPIG9"), ("1", "Jessica")))));

        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/Content", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")), request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        JsonAssert.Equivalent("""
            {"friendly_name":"order_shipped","language":"en","variables":{"1":"Jessica","2":"SKBUP2-4CPIG9"},
             "types":{"twilio/text":{"body":"Hi {{1}}, your order {{2}} is on its way."}}}
            """, request.Body);
    }

    [Fact]
    public async Task ABodyWithoutPlaceholdersHasNoVariables()
    {
        var request = await CreateAndCaptureAsync(Definition(new TemplateComponents("Your parcel is on its way.", Examples()), "pt-BR"));

        JsonAssert.Equivalent("""
            {"friendly_name":"order_shipped","language":"pt_BR","types":{"twilio/text":{"body":"Your parcel is on its way."}}}
            """, request.Body);
    }

    [Fact]
    public async Task NamedPlaceholdersAreNumberedInOrderOfFirstAppearance()
    {
        var definition = Definition(new TemplateComponents(
            "Thank you, {{first_name}}! Order {{order_number}} ships {{delivery_date}}; see you, {{first_name}}.",
            Examples(("delivery_date", "Friday"), ("order_number", "1042"), ("first_name", "Pablo"))));

        var request = await CreateAndCaptureAsync(definition);

        JsonAssert.Equivalent("""
            {"friendly_name":"order_shipped","language":"en","variables":{"1":"Pablo","2":"1042","3":"Friday"},
             "types":{"twilio/text":{"body":"Thank you, {{1}}! Order {{2}} ships {{3}}; see you, {{1}}."}}}
            """, request.Body);
        Assert.Equal(
            [
                new ContentVariable("1", ContentVariableSource.Body, "Pablo", "first_name"),
                new ContentVariable("2", ContentVariableSource.Body, "1042", "order_number"),
                new ContentVariable("3", ContentVariableSource.Body, "Friday", "delivery_date"),
            ],
            TwilioContentClient.VariablesOf(definition));
    }

    [Fact]
    public async Task AMediaHeaderIsTwilioMediaWithTheFileAsAVariableOnTheExamplesHost()
    {
        var request = await CreateAndCaptureAsync(Definition(new TemplateComponents(
            "Here is your receipt, {{1}}.", Examples(("1", "Jessica")),
            new TemplateHeader(HeaderFormat.Document, MediaExampleUrl: "https://cdn.example.com/r/1042.pdf?v=2"))));

        JsonAssert.Equivalent("""
            {"friendly_name":"order_shipped","language":"en","variables":{"1":"Jessica","2":"r/1042.pdf?v=2"},
             "types":{"twilio/media":{"body":"Here is your receipt, {{1}}.","media":["https://cdn.example.com/{{2}}"]}}}
            """, request.Body);
    }

    [Fact]
    public async Task QuickRepliesAloneAreTwilioQuickReplyWithTheTextAsId()
    {
        var request = await CreateAndCaptureAsync(Definition(new TemplateComponents(
            "Did your parcel arrive?", Examples(),
            Buttons: [new TemplateButton(TemplateButtonType.QuickReply, "Yes"), new TemplateButton(TemplateButtonType.QuickReply, "Not yet")])));

        JsonAssert.Equivalent("""
            {"friendly_name":"order_shipped","language":"en",
             "types":{"twilio/quick-reply":{"body":"Did your parcel arrive?","actions":[{"title":"Yes","id":"Yes"},{"title":"Not yet","id":"Not yet"}]}}}
            """, request.Body);
    }

    [Fact]
    public async Task LinkPhoneAndCodeButtonsAloneAreTwilioCallToActionNumberedAfterTheBody()
    {
        var request = await CreateAndCaptureAsync(Definition(new TemplateComponents(
            "Hi {{1}}, your order {{2}} has shipped.", Examples(("1", "Jessica"), ("2", "1042")),
            Buttons:
            [
                new TemplateButton(TemplateButtonType.Url, "Track", Url: "https://shop.example/track/{{1}}", Example: "1042"),
                new TemplateButton(TemplateButtonType.Url, "Help", Url: "https://shop.example/help"),
                new TemplateButton(TemplateButtonType.PhoneNumber, "Call us", PhoneNumber: "+15550051310"),
                new TemplateButton(TemplateButtonType.CopyCode, "", Example: "SAVE10"),
            ])));

        JsonAssert.Equivalent("""
            {"friendly_name":"order_shipped","language":"en","variables":{"1":"Jessica","2":"1042","3":"1042","4":"SAVE10"},
             "types":{"twilio/call-to-action":{"body":"Hi {{1}}, your order {{2}} has shipped.","actions":[
               {"type":"URL","title":"Track","url":"https://shop.example/track/{{3}}"},
               {"type":"URL","title":"Help","url":"https://shop.example/help"},
               {"type":"PHONE_NUMBER","title":"Call us","phone":"+15550051310"},
               {"type":"COPY_CODE","title":"Copy code","code":"{{4}}"}]}}}
            """, request.Body);
    }

    [Fact]
    public async Task AHeaderFooterAndMixedButtonsMakeAWhatsAppCardWithOneNumbering()
    {
        var definition = Definition(new TemplateComponents(
            "Hi {{1}}, your order {{2}} is on its way.", Examples(("1", "Jessica"), ("2", "SKBUP2-4CPIG9")),
            new TemplateHeader(HeaderFormat.Text, "Order {{1}} shipped", "1042"),
            "Reply STOP to opt out",
            [
                new TemplateButton(TemplateButtonType.QuickReply, "Thanks"),
                new TemplateButton(TemplateButtonType.Url, "Track", Url: "https://shop.example/track/{{1}}", Example: "SKBUP2-4CPIG9"),
                new TemplateButton(TemplateButtonType.CopyCode, "Copy coupon", Example: "SAVE10"),
            ]));

        var request = await CreateAndCaptureAsync(definition);

        JsonAssert.Equivalent("""
            {"friendly_name":"order_shipped","language":"en",
             "variables":{"1":"Jessica","2":"SKBUP2-4CPIG9","3":"1042","4":"SKBUP2-4CPIG9","5":"SAVE10"},
             "types":{"whatsapp/card":{
               "body":"Hi {{1}}, your order {{2}} is on its way.",
               "footer":"Reply STOP to opt out",
               "header_text":"Order {{3}} shipped",
               "actions":[
                 {"type":"QUICK_REPLY","title":"Thanks","id":"Thanks"},
                 {"type":"URL","title":"Track","url":"https://shop.example/track/{{4}}"},
                 {"type":"COPY_CODE","title":"Copy coupon","code":"{{5}}"}]}}}
            """, request.Body);
        Assert.Equal(
            [
                new ContentVariable("1", ContentVariableSource.Body, "Jessica", "1"),
                new ContentVariable("2", ContentVariableSource.Body, "SKBUP2-4CPIG9", "2"),
                new ContentVariable("3", ContentVariableSource.HeaderText, "1042", "header.1"),
                new ContentVariable("4", ContentVariableSource.ButtonUrl, "SKBUP2-4CPIG9", "button.1"),
                new ContentVariable("5", ContentVariableSource.CopyCode, "SAVE10", "button.2"),
            ],
            TwilioContentClient.VariablesOf(definition));
    }

    public static TheoryData<TemplateDefinition> Mapped => new()
    {
        Definition(new TemplateComponents("Hi {{1}}, order {{2}}.", Examples(("1", "a"), ("2", "b")),
            new TemplateHeader(HeaderFormat.Text, "Order {{1}}", "c"),
            Buttons: [new(TemplateButtonType.QuickReply, "Ok"), new(TemplateButtonType.Url, "Go", Url: "https://x.example/{{1}}", Example: "d"), new(TemplateButtonType.CopyCode, "", Example: "E")])),
        Definition(new TemplateComponents("Hi {{name}}, order {{order_number}}.", Examples(("name", "a"), ("order_number", "b")),
            new TemplateHeader(HeaderFormat.Text, "For {{name}}", "c"),
            Buttons: [new(TemplateButtonType.Url, "Go", Url: "https://x.example/{{1}}", Example: "d")])),
        Definition(new TemplateComponents("Receipt {{1}}.", Examples(("1", "a")), new TemplateHeader(HeaderFormat.Image, MediaExampleUrl: "https://cdn.example.com/a.png"))),
    };

    [Theory]
    [MemberData(nameof(Mapped))]
    public void EveryTwilioVariableNamesTheTemplateVariableItCarries(TemplateDefinition definition)
    {
        var twilio = TwilioContentClient.VariablesOf(definition);
        var ours = TemplateVariables.Of(definition.Components);

        Assert.Equal(
            ours.Select(v => v.Key).Order(StringComparer.Ordinal),
            twilio.Where(v => v.Source != ContentVariableSource.HeaderMedia).Select(v => v.VariableKey!).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(1, twilio.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), twilio.Select(v => v.Key));
        Assert.All(twilio.Where(v => v.VariableKey is not null), v => Assert.Equal(ours.Single(o => o.Key == v.VariableKey).Example, v.Sample));
    }

    [Fact]
    public async Task AMediaHeaderWithButtonsIsAWhatsAppCardWithMedia()
    {
        var request = await CreateAndCaptureAsync(Definition(new TemplateComponents(
            "New in: the red shoe.", Examples(),
            new TemplateHeader(HeaderFormat.Image, MediaExampleUrl: "https://cdn.example.com/p/shoe.jpg"),
            Buttons: [new TemplateButton(TemplateButtonType.Url, "Shop", Url: "https://shop.example/p/red-shoe")])));

        JsonAssert.Equivalent("""
            {"friendly_name":"order_shipped","language":"en","variables":{"1":"p/shoe.jpg"},
             "types":{"whatsapp/card":{"body":"New in: the red shoe.","media":["https://cdn.example.com/{{1}}"],
               "actions":[{"type":"URL","title":"Shop","url":"https://shop.example/p/red-shoe"}]}}}
            """, request.Body);
    }

    [Fact]
    public async Task ACallToActionBodyLongerThan640IsAWhatsAppCard()
    {
        var body = new string('x', 700);
        var request = await CreateAndCaptureAsync(Definition(new TemplateComponents(
            body, Examples(), Buttons: [new TemplateButton(TemplateButtonType.PhoneNumber, "Call", PhoneNumber: "+46701234567")])));

        JsonAssert.Equivalent($$"""
            {"friendly_name":"order_shipped","language":"en",
             "types":{"whatsapp/card":{"body":"{{body}}","actions":[{"type":"PHONE_NUMBER","title":"Call","phone":"+46701234567"}] } } }
            """, request.Body);
    }

    public static TheoryData<string, TemplateDefinition> Refused => new()
    {
        { "2 URL buttons", Definition(new TemplateComponents("Hi.", Examples(), Buttons:
            [new(TemplateButtonType.Url, "A", Url: "https://a.example"), new(TemplateButtonType.Url, "B", Url: "https://b.example"), new(TemplateButtonType.Url, "C", Url: "https://c.example")])) },
        { "1 phone-number button", Definition(new TemplateComponents("Hi.", Examples(), Buttons:
            [new(TemplateButtonType.PhoneNumber, "A", PhoneNumber: "+15550051310"), new(TemplateButtonType.PhoneNumber, "B", PhoneNumber: "+15550051311")])) },
        { "MediaExampleUrl for a media header", Definition(new TemplateComponents("Hi.", Examples(), new TemplateHeader(HeaderFormat.Video))) },
        { "point at a file", Definition(new TemplateComponents("Hi.", Examples(), new TemplateHeader(HeaderFormat.Image, MediaExampleUrl: "https://cdn.example.com/"))) },
        { "mixes", Definition(new TemplateComponents("Hi {{1}}, {{name}}.", Examples(("1", "a"), ("name", "b")))) },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task WhatTwilioOrWhatsAppWouldRefuseIsRefusedBeforeAnyRequest(string named, TemplateDefinition definition)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Client().CreateAsync(Account, definition));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task AnAuthenticationTemplateIsWhatsAppAuthenticationWithTheCodeAsVariableOne()
    {
        var definition = new TemplateDefinition("login_code", "en", TemplateCategory.Authentication,
            new TemplateComponents(AuthenticationTemplate.Body, Examples(("1", "482913")), Authentication: new AuthenticationOptions(true, 10)));

        var request = await CreateAndCaptureAsync(definition);

        JsonAssert.Equivalent("""
            {"friendly_name":"login_code","language":"en","variables":{"1":"482913"},
             "types":{"whatsapp/authentication":{"add_security_recommendation":true,"code_expiration_minutes":10,
               "actions":[{"type":"COPY_CODE","copy_code_text":"Copy code"}]}}}
            """, request.Body);
        Assert.Equal([new ContentVariable("1", ContentVariableSource.Body, "482913", "1")], TwilioContentClient.VariablesOf(definition));
    }

    [Fact]
    public async Task AnAuthenticationTemplateWithoutExpiryOrExampleHasASampleCodeAndItsLabel()
    {
        var request = await CreateAndCaptureAsync(new TemplateDefinition("login_code", "en", TemplateCategory.Authentication,
            new TemplateComponents(AuthenticationTemplate.Body, Examples(), Authentication: new AuthenticationOptions(false, null, "Copy your code"))));

        JsonAssert.Equivalent("""
            {"friendly_name":"login_code","language":"en","variables":{"1":"123456"},
             "types":{"whatsapp/authentication":{"add_security_recommendation":false,
               "actions":[{"type":"COPY_CODE","copy_code_text":"Copy your code"}]}}}
            """, request.Body);
    }

    [Fact]
    public async Task AnApiKeyAuthenticatesWhenTheAccountHasOne()
    {
        var account = new TwilioAccount(AccountSid, authToken: AuthToken, apiKeySid: TwilioClientTests.ApiKeySid, apiKeySecret: TwilioClientTests.ApiKeySecret, from: TwilioClientTests.Sender);

        await Client().CreateAsync(account, Definition(new TemplateComponents("Hi.", Examples())));

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioClientTests.ApiKeySid}:{TwilioClientTests.ApiKeySecret}")),
            Assert.Single(_twilio.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task ACreateAnswerWithoutAContentSidIsAnUnknownOutcome()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Json(context, 201, """{"friendly_name":"order_shipped"}""");

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() => Client().CreateAsync(Account, Definition(new TemplateComponents("Hi.", Examples()))));
    }

    [Theory]
    [InlineData(TemplateCategory.Utility, "UTILITY")]
    [InlineData(TemplateCategory.Marketing, "MARKETING")]
    [InlineData(TemplateCategory.Authentication, "AUTHENTICATION")]
    public async Task AnApprovalRequestNamesTheTemplateAndItsCategory(TemplateCategory category, string twilioCategory)
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Json(context, 201, $$"""
            {"name":"order_shipped","category":"{{twilioCategory}}","content_type":"twilio/text","status":"received","rejection_reason":"","allow_category_change":true}
            """);

        var submitted = await Client().RequestApprovalAsync(Account, ContentSid, "order_shipped", category);

        Assert.Equal(new TemplateSubmitted(ContentSid, "received"), submitted);
        var request = Assert.Single(_twilio.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v1/Content/{ContentSid}/ApprovalRequests/whatsapp", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")), request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        JsonAssert.Equivalent($$"""{"name":"order_shipped","category":"{{twilioCategory}}"}""", request.Body);
    }

    [Theory]
    [InlineData("HX123", "order_shipped")]
    [InlineData("MM0123456789abcdef0123456789abcdef", "order_shipped")]
    [InlineData(ContentSid, "Order Shipped")]
    [InlineData(ContentSid, "")]
    public async Task AMalformedSidOrNameIsRefusedBeforeAnyRequest(string sid, string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().RequestApprovalAsync(Account, sid, name, TemplateCategory.Utility));
        await Assert.ThrowsAsync<ArgumentException>(() => Client().GetApprovalAsync(Account, "HX123"));

        Assert.Empty(_twilio.Requests);
    }

    public static TheoryData<string, string, ProviderTemplateStatus, string?> Approvals => new()
    {
        { "approved", "", ProviderTemplateStatus.Approved, null },
        { "received", "", ProviderTemplateStatus.Pending, null },
        { "pending", "", ProviderTemplateStatus.Pending, null },
        { "rejected", "INVALID_FORMAT", ProviderTemplateStatus.Rejected, "INVALID_FORMAT" },
        { "rejected", "Promotional content in a utility template", ProviderTemplateStatus.Rejected, "Promotional content in a utility template" },
        { "paused", "", ProviderTemplateStatus.Paused, null },
        { "disabled", "", ProviderTemplateStatus.Disabled, null },
        { "unsubmitted", "", ProviderTemplateStatus.NotSubmitted, null },
        { "APPROVED", "", ProviderTemplateStatus.Approved, null },
        { "something_new", "", ProviderTemplateStatus.Unknown, null },
    };

    [Theory]
    [MemberData(nameof(Approvals))]
    public async Task EveryApprovalStatusHasOurWord(string twilioStatus, string reason, ProviderTemplateStatus expected, string? expectedReason)
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Json(context, 200, $$$"""
            {"account_sid":"{{{AccountSid}}}","sid":"{{{ContentSid}}}","url":"https://content.twilio.com/v1/Content/{{{ContentSid}}}/ApprovalRequests",
             "whatsapp":{"name":"order_shipped","category":"UTILITY","content_type":"twilio/text","status":"{{{twilioStatus}}}",
                         "rejection_reason":"{{{reason}}}","allow_category_change":true,"type":"whatsapp","flows":null}}
            """);

        var review = await Client().GetApprovalAsync(Account, ContentSid);

        Assert.Equal(new TemplateReview(ContentSid, "order_shipped", null, expected, expectedReason, null, twilioStatus), review);
        var request = Assert.Single(_twilio.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal($"/v1/Content/{ContentSid}/ApprovalRequests", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")), request.Headers["Authorization"]);
    }

    [Theory]
    [InlineData("""{"account_sid":"AC0123456789abcdef0123456789abcdef","sid":"HXb5b62575e6e4ff6129ad7c8efe1f983e","whatsapp":{}}""")]
    [InlineData("""{"account_sid":"AC0123456789abcdef0123456789abcdef","sid":"HXb5b62575e6e4ff6129ad7c8efe1f983e"}""")]
    public async Task AContentNeverSubmittedIsNotSubmitted(string answer)
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Json(context, 200, answer);

        var review = await Client().GetApprovalAsync(Account, ContentSid);

        Assert.Equal(new TemplateReview(ContentSid, null, null, ProviderTemplateStatus.NotSubmitted, null, null, ""), review);
    }

    [Theory]
    [InlineData(400, 20001, FailureReason.InvalidRequest)]
    [InlineData(401, 20003, FailureReason.Unauthorized)]
    [InlineData(404, 20404, FailureReason.InvalidRequest)]
    [InlineData(409, 20409, FailureReason.InvalidRequest)]
    public async Task TwilioErrorsBecomeReasonsAndAreNotRetryable(int status, int code, FailureReason reason)
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, status, code, "Twilio says no");

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().GetApprovalAsync(Account, ContentSid));

        Assert.Equal(new ProviderError(code.ToString(System.Globalization.CultureInfo.InvariantCulture), "Twilio says no", reason), e.Error);
        Assert.Equal(status, e.HttpStatus);
        Assert.False(e.IsRetryable);
    }

    [Fact]
    public async Task A429WithRetryAfterIsRetryable()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, 429, 20429, "Too Many Requests", ("Retry-After", "7"));

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().CreateAsync(Account, Definition(new TemplateComponents("Hi.", Examples()))));

        Assert.Equal((FailureReason.RateLimited, 429, TimeSpan.FromSeconds(7), true), (e.Error.Reason, e.HttpStatus, e.RetryAfter, e.IsRetryable));
    }

    [Fact]
    public async Task A500WithoutTwilioJsonIsRetryable()
    {
        _twilio.Respond = async (_, context) =>
        {
            context.Response.StatusCode = 500;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>Bad gateway</html>");
        };

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().RequestApprovalAsync(Account, ContentSid, "order_shipped", TemplateCategory.Utility));

        Assert.Equal(("500", FailureReason.ProviderUnavailable, true), (e.Error.Code, e.Error.Reason, e.IsRetryable));
    }

    [Fact]
    public async Task ASlowCreateIsAnUnknownOutcomeAndIsNotResent()
    {
        _twilio.Respond = async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
            await ContentCreated(context, ContentSid);
        };

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() =>
            Client(TimeSpan.FromSeconds(2)).CreateAsync(Account, Definition(new TemplateComponents("Hi.", Examples()))));

        Assert.Single(_twilio.Requests);
    }

    [Fact]
    public async Task ARefusedConnectionSentNothingSoItIsRetryable()
    {
        var client = new TwilioContentClient(_http, new TwilioClientOptions { ContentBaseUrl = new Uri($"http://127.0.0.1:{ClosedPort()}/"), Timeout = TimeSpan.FromSeconds(5) });

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => client.GetApprovalAsync(Account, ContentSid));

        Assert.Equal((FailureReason.ProviderUnavailable, 0, true), (e.Error.Reason, e.HttpStatus, e.IsRetryable));
    }

    [Fact]
    public async Task LogsCarrySidsButNoSecretsOrSamples()
    {
        await Client().CreateAsync(Account, Definition(new TemplateComponents("Hi {{1}}.", Examples(("1", "Jessica Example")))));
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, 400, 20001, "Invalid content");
        await Assert.ThrowsAsync<ChannelSendException>(() => Client().RequestApprovalAsync(Account, ContentSid, "order_shipped", TemplateCategory.Utility));

        var logs = string.Join("\n", _log.Messages);
        Assert.Contains(ContentSid, logs, StringComparison.Ordinal);
        Assert.Contains("20001", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(AuthToken, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Jessica", logs, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsAreChecked()
    {
        Assert.Throws<ArgumentException>(() => new TwilioContentClient(_http, new TwilioClientOptions { ContentBaseUrl = new Uri("/v1", UriKind.Relative) }));
        Assert.Throws<ArgumentException>(() => new TwilioContentClient(_http, new TwilioClientOptions { ContentBaseUrl = new Uri("ftp://content.example") }));
        Assert.Throws<ArgumentNullException>(() => new TwilioContentClient(null!, new TwilioClientOptions()));
        Assert.Equal(new Uri("https://content.twilio.com"), new TwilioClientOptions().ContentBaseUrl);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
