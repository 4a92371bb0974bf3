using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Templates;

namespace Functions.Tests.Channels.Meta;

/// <summary>
/// <see cref="MetaTemplateClient"/> over real HTTP against <see cref="FakeGraphServer"/> on 127.0.0.1:
/// the exact create body per component combination, status reads, paging and failures.
/// </summary>
public sealed class MetaTemplateClientTests : IAsyncLifetime
{
    private const string Waba = "102290129340398";
    private const string TemplatesPath = "/v25.0/" + Waba + "/message_templates";
    private const string ReadQuery = "?fields=id%2Cname%2Clanguage%2Cstatus%2Crejected_reason%2Cquality_score";
    private const string Created = """{"id":"594425479261596","status":"PENDING","category":"UTILITY"}""";

    private static readonly MetaAccount Account = new("106540352242922", Waba, "EAAGtestTOKEN123", "0123456789abcdef0123456789abcdef", "verify-me-please");

    private FakeGraphServer _graph = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _graph = await FakeGraphServer.StartAsync();
        _graph.Respond = _ => new GraphReply(200, Created);
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _graph.DisposeAsync();
    }

    private MetaTemplateClient Client(TimeSpan? timeout = null) =>
        new(_http, new MetaClientOptions { BaseUrl = _graph.BaseUrl, Timeout = timeout ?? TimeSpan.FromSeconds(5) });

    private static TemplateDefinition Definition(TemplateComponents components, TemplateCategory category = TemplateCategory.Utility, string language = "en_US") =>
        new("order_shipped", language, category, components);

    private static Dictionary<string, string> Examples(params (string Key, string Value)[] examples) =>
        examples.ToDictionary(e => e.Key, e => e.Value);

    private async Task<GraphRequest> SubmitAndCaptureAsync(TemplateDefinition definition, string? handle = null)
    {
        var submitted = await Client().SubmitAsync(Account, definition, handle);
        Assert.Equal(new TemplateSubmitted("594425479261596", "PENDING"), submitted);
        return Assert.Single(_graph.Requests);
    }

    [Fact]
    public async Task EveryComponentGoesToTheAccountsTemplatesEdgeWithItsExamples()
    {
        var request = await SubmitAndCaptureAsync(Definition(new TemplateComponents(
            "Hi {{1}}, your order {{2}} is on its way.",
            Examples(("2", "SKBUP2-4CPIG9"), ("1", "Jessica")),
            new TemplateHeader(HeaderFormat.Text, "Order {{1}} shipped", "1042"),
            "Reply STOP to opt out",
            [
                new TemplateButton(TemplateButtonType.QuickReply, "Thanks"),
                new TemplateButton(TemplateButtonType.Url, "Track", Url: "https://shop.example/track/{{1}}", Example: "SKBUP2-4CPIG9"),
                new TemplateButton(TemplateButtonType.PhoneNumber, "Call us", PhoneNumber: "+15550051310"),
                new TemplateButton(TemplateButtonType.CopyCode, "", Example: "SAVE10"),
            ])));

        Assert.Equal("POST", request.Method);
        Assert.Equal(TemplatesPath, request.PathAndQuery);
        Assert.Equal("Bearer EAAGtestTOKEN123", request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        JsonAssert.Equivalent("""
            {"name":"order_shipped","language":"en_US","category":"UTILITY","parameter_format":"POSITIONAL","components":[
              {"type":"HEADER","format":"TEXT","text":"Order {{1}} shipped","example":{"header_text":["1042"]}},
              {"type":"BODY","text":"Hi {{1}}, your order {{2}} is on its way.","example":{"body_text":[["Jessica","SKBUP2-4CPIG9"]]}},
              {"type":"FOOTER","text":"Reply STOP to opt out"},
              {"type":"BUTTONS","buttons":[
                {"type":"QUICK_REPLY","text":"Thanks"},
                {"type":"URL","text":"Track","url":"https://shop.example/track/{{1}}","example":["SKBUP2-4CPIG9"]},
                {"type":"PHONE_NUMBER","text":"Call us","phone_number":"15550051310"},
                {"type":"COPY_CODE","example":"SAVE10"}]}]}
            """, request.Body);
    }

    [Fact]
    public async Task NamedPlaceholdersAreSentAsNamedParamsInOrderOfAppearance()
    {
        var request = await SubmitAndCaptureAsync(Definition(new TemplateComponents(
            "Thank you, {{first_name}}! Order {{order_number}} ships {{delivery_date}}; we'll remind you, {{first_name}}.",
            Examples(("delivery_date", "Friday"), ("order_number", "1042"), ("first_name", "Pablo")),
            new TemplateHeader(HeaderFormat.Text, "Hello {{first_name}}", "Pablo")), TemplateCategory.Marketing, "pt-BR"));

        JsonAssert.Equivalent("""
            {"name":"order_shipped","language":"pt_BR","category":"MARKETING","parameter_format":"NAMED","components":[
              {"type":"HEADER","format":"TEXT","text":"Hello {{first_name}}",
               "example":{"header_text_named_params":[{"param_name":"first_name","example":"Pablo"}]}},
              {"type":"BODY","text":"Thank you, {{first_name}}! Order {{order_number}} ships {{delivery_date}}; we'll remind you, {{first_name}}.",
               "example":{"body_text_named_params":[
                 {"param_name":"first_name","example":"Pablo"},
                 {"param_name":"order_number","example":"1042"},
                 {"param_name":"delivery_date","example":"Friday"}]}}]}
            """, request.Body);
    }

    [Fact]
    public async Task ANamedHeaderOverAFixedBodyMakesTheTemplateNamed()
    {
        var request = await SubmitAndCaptureAsync(Definition(new TemplateComponents(
            "Your parcel is on its way.", Examples(), new TemplateHeader(HeaderFormat.Text, "Hi {{first_name}}", "Pablo"))));

        JsonAssert.Equivalent("""
            {"name":"order_shipped","language":"en_US","category":"UTILITY","parameter_format":"NAMED","components":[
              {"type":"HEADER","format":"TEXT","text":"Hi {{first_name}}","example":{"header_text_named_params":[{"param_name":"first_name","example":"Pablo"}]}},
              {"type":"BODY","text":"Your parcel is on its way."}]}
            """, request.Body);
    }

    [Fact]
    public async Task ABodyWithoutPlaceholdersHasNoExample()
    {
        var request = await SubmitAndCaptureAsync(Definition(new TemplateComponents("Your parcel is on its way.", Examples())));

        JsonAssert.Equivalent("""
            {"name":"order_shipped","language":"en_US","category":"UTILITY","parameter_format":"POSITIONAL",
             "components":[{"type":"BODY","text":"Your parcel is on its way."}]}
            """, request.Body);
    }

    [Fact]
    public async Task AUrlWithoutAVariableHasNoExample()
    {
        var request = await SubmitAndCaptureAsync(Definition(new TemplateComponents(
            "Your parcel is on its way.", Examples(), Buttons: [new TemplateButton(TemplateButtonType.Url, "Help", Url: "https://shop.example/help")])));

        JsonAssert.Equivalent("""
            {"name":"order_shipped","language":"en_US","category":"UTILITY","parameter_format":"POSITIONAL","components":[
              {"type":"BODY","text":"Your parcel is on its way."},
              {"type":"BUTTONS","buttons":[{"type":"URL","text":"Help","url":"https://shop.example/help"}]}]}
            """, request.Body);
    }

    [Theory]
    [InlineData(HeaderFormat.Image, "IMAGE")]
    [InlineData(HeaderFormat.Video, "VIDEO")]
    [InlineData(HeaderFormat.Document, "DOCUMENT")]
    public async Task AMediaHeaderCarriesTheUploadHandleAsItsExample(HeaderFormat format, string metaFormat)
    {
        var request = await SubmitAndCaptureAsync(Definition(new TemplateComponents(
            "Here is your receipt, {{1}}.", Examples(("1", "Jessica")),
            new TemplateHeader(format, MediaExampleUrl: "https://cdn.example.com/r/1042.pdf"))), "4::aW1hZ2UvanBlZw==:ARb-example");

        JsonAssert.Equivalent($$$"""
            {"name":"order_shipped","language":"en_US","category":"UTILITY","parameter_format":"POSITIONAL","components":[
              {"type":"HEADER","format":"{{{metaFormat}}}","example":{"header_handle":["4::aW1hZ2UvanBlZw==:ARb-example"]}},
              {"type":"BODY","text":"Here is your receipt, {{1}}.","example":{"body_text":[["Jessica"]]}}]}
            """, request.Body);
    }

    [Fact]
    public async Task AMediaHeaderWithoutAnUploadHandleIsRefusedBeforeAnyRequest()
    {
        var definition = Definition(new TemplateComponents("Your receipt.", Examples(),
            new TemplateHeader(HeaderFormat.Image, MediaExampleUrl: "https://cdn.example.com/r.jpg")));

        var e = await Assert.ThrowsAsync<ArgumentException>(() => Client().SubmitAsync(Account, definition));

        Assert.Contains("Resumable Upload", e.Message, StringComparison.Ordinal);
        Assert.Empty(_graph.Requests);
    }

    private const string AppId = "987654321012345";
    private const string SessionId = "upload:MTphdHRhY2htZW50OjQ5ZjM3=?sig=ARZqkGCA_uQMx";
    private const string Handle = "4::aW1hZ2UvcG5n:ARa1ZDhwbLZM3EENeeg";
    private static readonly MetaAccount WithApp = Account with { AppId = AppId };

    private static GraphReply UploadReplies(GraphRequest r) => r.PathAndQuery.StartsWith($"/v25.0/{AppId}/uploads", StringComparison.Ordinal)
        ? new GraphReply(200, $$"""{"id":"{{SessionId}}"}""")
        : r.PathAndQuery.StartsWith("/v25.0/upload:", StringComparison.Ordinal) ? new GraphReply(200, $$"""{"h":"{{Handle}}"}""") : new GraphReply(200, Created);

    [Fact]
    public async Task AnExampleFileOpensAnUploadSessionOnTheAppThenSendsItsBytesForTheHandle()
    {
        _graph.Respond = UploadReplies;
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF, 0x7F, 0x80];

        var handle = await Client().UploadExampleAsync(WithApp, png, "header photo.png", "image/png; charset=binary");

        Assert.Equal(Handle, handle);
        Assert.Collection(_graph.Requests,
            session =>
            {
                Assert.Equal("POST", session.Method);
                Assert.Equal($"/v25.0/{AppId}/uploads?file_name=header%20photo.png&file_length=12&file_type=image%2Fpng", session.PathAndQuery);
                Assert.Equal("Bearer EAAGtestTOKEN123", session.Header("Authorization"));
                Assert.Null(session.Header("file_offset"));
                Assert.Empty(session.RawBody!);
            },
            upload =>
            {
                Assert.Equal("POST", upload.Method);
                Assert.Equal("/v25.0/" + SessionId, upload.PathAndQuery);
                Assert.Equal("OAuth EAAGtestTOKEN123", upload.Header("Authorization"));
                Assert.Equal("0", upload.Header("file_offset"));
                Assert.Equal("image/png", upload.Header("Content-Type"));
                Assert.Equal(png, upload.RawBody);
                Assert.DoesNotContain("EAAGtestTOKEN123", upload.PathAndQuery, StringComparison.Ordinal);
            });
    }

    [Fact]
    public async Task TheUploadedHandleIsTheHeadersExampleInTheCreateRequest()
    {
        _graph.Respond = UploadReplies;
        var handle = await Client().UploadExampleAsync(WithApp, [1, 2, 3], "receipt.pdf", "application/pdf");

        await Client().SubmitAsync(WithApp, Definition(new TemplateComponents("Your receipt.", Examples(),
            new TemplateHeader(HeaderFormat.Document, MediaExampleUrl: "https://cdn.example.com/receipt.pdf"))), handle);

        var create = _graph.Requests[^1];
        Assert.Equal(TemplatesPath, create.PathAndQuery);
        using var body = System.Text.Json.JsonDocument.Parse(create.Body);
        Assert.Equal($$"""["{{Handle}}"]""", body.RootElement.GetProperty("components")[0].GetProperty("example").GetProperty("header_handle").GetRawText());
    }

    [Fact]
    public async Task WithoutAnAppIdAnUploadIsRefusedBeforeAnyRequest()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Client().UploadExampleAsync(Account, [1, 2, 3], "a.png", "image/png"));

        Assert.Contains("appId", e.Message, StringComparison.Ordinal);
        Assert.Empty(_graph.Requests);
    }

    [Theory]
    [InlineData("image/gif", 10)]
    [InlineData("image/png", 0)]
    [InlineData("image/png", 5 * 1024 * 1024 + 1)]
    [InlineData("video/mp4", 16 * 1024 * 1024 + 1)]
    public async Task AFileMetaWouldNotTakeIsRefusedBeforeAnyRequest(string contentType, int length)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().UploadExampleAsync(WithApp, new byte[length], "f", contentType));

        Assert.Empty(_graph.Requests);
    }

    [Fact]
    public async Task AnUploadRefusalIsMetasErrorAndNoBytesFollowAFailedSession()
    {
        _graph.Respond = _ => GraphReply.Error(400, 100, "Invalid parameter", "file_type is not supported");

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().UploadExampleAsync(WithApp, [1, 2, 3], "a.png", "image/png"));

        Assert.Equal("100", e.Error.Code);
        Assert.Single(_graph.Requests);
    }

    [Fact]
    public async Task AnUploadAnswerWithoutAHandleIsAnError()
    {
        _graph.Respond = r => r.PathAndQuery.Contains("/uploads?", StringComparison.Ordinal) ? new GraphReply(200, $$"""{"id":"{{SessionId}}"}""") : new GraphReply(200, "{}");

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().UploadExampleAsync(WithApp, [1, 2, 3], "a.png", "image/png"));

        Assert.Contains("handle", e.Error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, TemplateDefinition> InvalidDefinitions => new()
    {
        { "Name", new TemplateDefinition("Order Shipped", "en", TemplateCategory.Utility, new TemplateComponents("Hi.", Examples())) },
        { "Language", new TemplateDefinition("order_shipped", "English", TemplateCategory.Utility, new TemplateComponents("Hi.", Examples())) },
        { "Body", Definition(new TemplateComponents(" ", Examples())) },
        { "1024", Definition(new TemplateComponents(new string('a', 1025), Examples())) },
        { "mixes", Definition(new TemplateComponents("Hi {{1}}, order {{order_number}}.", Examples(("1", "a"), ("order_number", "b")))) },
        { "missing", Definition(new TemplateComponents("Hi {{1}}, order {{3}}.", Examples(("1", "a"), ("3", "c")))) },
        { "example for {{2}}", Definition(new TemplateComponents("Hi {{1}}, order {{2}}.", Examples(("1", "a")))) },
        { "no {{9}}", Definition(new TemplateComponents("Hi {{1}}.", Examples(("1", "a"), ("9", "z")))) },
        { "braces", Definition(new TemplateComponents("Hi {{1}, thanks.", Examples())) },
        { "placeholder '{{First Name}}'", Definition(new TemplateComponents("Hi {{First Name}}, thanks.", Examples(("First Name", "a")))) },
        { "one placeholder", Definition(new TemplateComponents("Hi.", Examples(), new TemplateHeader(HeaderFormat.Text, "{{1}} and {{2}}", "a"))) },
        { "TemplateHeader.Example is required", Definition(new TemplateComponents("Hi.", Examples(), new TemplateHeader(HeaderFormat.Text, "Order {{1}}"))) },
        { "same kind", Definition(new TemplateComponents("Hi {{1}}.", Examples(("1", "a")), new TemplateHeader(HeaderFormat.Text, "Hi {{name}}", "b"))) },
        { "60", Definition(new TemplateComponents("Hi.", Examples(), new TemplateHeader(HeaderFormat.Text, new string('h', 61)))) },
        { "no text", Definition(new TemplateComponents("Hi.", Examples(), new TemplateHeader(HeaderFormat.Image, "Caption"))) },
        { "Footer cannot hold", Definition(new TemplateComponents("Hi.", Examples(), Footer: "Sent to {{1}}")) },
        { "at most 10 buttons", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [.. Enumerable.Range(1, 11).Select(i => new TemplateButton(TemplateButtonType.QuickReply, $"Option {i}"))])) },
        { "25", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [new TemplateButton(TemplateButtonType.QuickReply, new string('b', 26))])) },
        { "one copy-code", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [new(TemplateButtonType.CopyCode, "", Example: "A1"), new(TemplateButtonType.CopyCode, "", Example: "B2")])) },
        { "15 characters", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [new(TemplateButtonType.CopyCode, "", Example: "THIS-CODE-IS-TOO-LONG")])) },
        { "end in one", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [new(TemplateButtonType.Url, "Go", Url: "https://shop.example/{{1}}/track", Example: "a")])) },
        { "suffix", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [new(TemplateButtonType.Url, "Go", Url: "https://shop.example/t/{{1}}")])) },
        { "absolute http(s)", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [new(TemplateButtonType.Url, "Go", Url: "shop.example/t")])) },
        { "E.164", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [new(TemplateButtonType.PhoneNumber, "Call", PhoneNumber: "0701234567")])) },
        { "at most 2 URL buttons", Definition(new TemplateComponents("Hi.", Examples(), Buttons:
            [new(TemplateButtonType.Url, "A", Url: "https://a.example"), new(TemplateButtonType.Url, "B", Url: "https://b.example"), new(TemplateButtonType.Url, "C", Url: "https://c.example")])) },
        { "at most 1 phone-number button", Definition(new TemplateComponents("Hi.", Examples(), Buttons:
            [new(TemplateButtonType.PhoneNumber, "A", PhoneNumber: "+15550051310"), new(TemplateButtonType.PhoneNumber, "B", PhoneNumber: "+15550051311")])) },
        { "2000", Definition(new TemplateComponents("Hi.", Examples(), Buttons: [new(TemplateButtonType.Url, "Go", Url: "https://shop.example/" + new string('p', 2000))])) },
    };

    [Theory]
    [MemberData(nameof(InvalidDefinitions))]
    public async Task ADefinitionThatBreaksADocumentedRuleIsRefusedBeforeAnyRequest(string named, TemplateDefinition definition)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Client().SubmitAsync(Account, definition, "4::handle"));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Empty(_graph.Requests);
    }

    [Fact]
    public async Task LengthsCountCodePointsSoSixtyEmojiFitAHeader()
    {
        var header = string.Concat(Enumerable.Repeat("📦", 60));

        var request = await SubmitAndCaptureAsync(Definition(new TemplateComponents("Your parcel is on its way.", Examples(), new TemplateHeader(HeaderFormat.Text, header))));

        using var sent = System.Text.Json.JsonDocument.Parse(request.Body);
        Assert.Equal(header, sent.RootElement.GetProperty("components")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task AnAuthenticationTemplateIsMetasCopyCodeOtpLayout()
    {
        var request = await SubmitAndCaptureAsync(Definition(
            new TemplateComponents(AuthenticationTemplate.Body, Examples(("1", "482913")), Authentication: new AuthenticationOptions(true, 10)),
            TemplateCategory.Authentication));

        JsonAssert.Equivalent("""
            {"name":"order_shipped","language":"en_US","category":"AUTHENTICATION","components":[
              {"type":"BODY","add_security_recommendation":true},
              {"type":"FOOTER","code_expiration_minutes":10},
              {"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy code"}]}]}
            """, request.Body);
    }

    [Fact]
    public async Task AnAuthenticationTemplateWithoutExpiryHasNoFooterAndKeepsItsLabel()
    {
        var request = await SubmitAndCaptureAsync(Definition(
            new TemplateComponents(AuthenticationTemplate.Body, Examples(), Authentication: new AuthenticationOptions(false, null, "Copy your code")),
            TemplateCategory.Authentication));

        JsonAssert.Equivalent("""
            {"name":"order_shipped","language":"en_US","category":"AUTHENTICATION","components":[
              {"type":"BODY","add_security_recommendation":false},
              {"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy your code"}]}]}
            """, request.Body);
    }

    public static TheoryData<string, TemplateComponents> BadAuthentication => new()
    {
        { "Authentication", new TemplateComponents(AuthenticationTemplate.Body, Examples()) },
        { "fixed", new TemplateComponents("Your code is {{1}}.", Examples(("1", "123456")), Authentication: new AuthenticationOptions()) },
        { "no header, footer or buttons", new TemplateComponents(AuthenticationTemplate.Body, Examples(), Footer: "Bye", Authentication: new AuthenticationOptions()) },
        { "CodeExpirationMinutes", new TemplateComponents(AuthenticationTemplate.Body, Examples(), Authentication: new AuthenticationOptions(CodeExpirationMinutes: 91)) },
        { "CopyCodeText", new TemplateComponents(AuthenticationTemplate.Body, Examples(), Authentication: new AuthenticationOptions(CopyCodeText: new string('c', 26))) },
        { "sample code", new TemplateComponents(AuthenticationTemplate.Body, Examples(("1", new string('9', 16))), Authentication: new AuthenticationOptions()) },
    };

    [Theory]
    [MemberData(nameof(BadAuthentication))]
    public async Task AnAuthenticationTemplateOutsideWhatsAppsLayoutIsRefusedBeforeAnyRequest(string named, TemplateComponents components)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Client().SubmitAsync(Account, Definition(components, TemplateCategory.Authentication)));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Empty(_graph.Requests);
    }

    [Fact]
    public async Task AuthenticationOptionsOnAnotherCategoryAreRefused()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            Client().SubmitAsync(Account, Definition(new TemplateComponents("Your parcel is on its way.", Examples(), Authentication: new AuthenticationOptions()))));

        Assert.Contains("AUTHENTICATION templates only", e.Message, StringComparison.Ordinal);
        Assert.Empty(_graph.Requests);
    }

    [Fact]
    public async Task ASubmitAnswerWithoutAnIdIsAnUnknownOutcome()
    {
        _graph.Respond = _ => new GraphReply(200, """{"success":true}""");

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() => Client().SubmitAsync(Account, Definition(new TemplateComponents("Hi.", Examples()))));
    }

    [Fact]
    public async Task ADuplicateNameAndLanguageIsAnInvalidRequestWithMetasExplanation()
    {
        _graph.Respond = _ => new GraphReply(400, """
            {"error":{"message":"Invalid parameter","type":"OAuthException","code":100,"error_subcode":2388024,"is_transient":false,
              "error_user_title":"Message template already exists",
              "error_user_msg":"There is already English (US) content for this template. You can create a new template and try again.",
              "fbtrace_id":"AbCdEfGhIjK"}}
            """);

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SubmitAsync(Account, Definition(new TemplateComponents("Hi.", Examples()))));

        Assert.Equal("100", e.Error.Code);
        Assert.Equal(FailureReason.InvalidRequest, e.Error.Reason);
        Assert.False(e.IsRetryable);
        Assert.Equal(
            "Invalid parameter: There is already English (US) content for this template. You can create a new template and try again. (subcode 2388024) [fbtrace_id AbCdEfGhIjK]",
            e.Error.Message);
    }

    public static TheoryData<int, int, FailureReason, bool> GraphErrors => new()
    {
        { 401, 190, FailureReason.Unauthorized, false },
        { 403, 200, FailureReason.Unauthorized, false },
        { 400, 80008, FailureReason.RateLimited, true },
        { 400, 4, FailureReason.RateLimited, true },
        { 500, 2, FailureReason.ProviderUnavailable, true },
    };

    [Theory]
    [MemberData(nameof(GraphErrors))]
    public async Task GraphErrorsOnASubmitBecomeReasons(int status, int code, FailureReason reason, bool retryable)
    {
        _graph.Respond = _ => GraphReply.Error(status, code, $"(#{code}) Something specific", "Details Meta gives for this code.");

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SubmitAsync(Account, Definition(new TemplateComponents("Hi.", Examples()))));

        Assert.Equal((code.ToString(System.Globalization.CultureInfo.InvariantCulture), reason, status, retryable), (e.Error.Code, e.Error.Reason, e.HttpStatus, e.IsRetryable));
    }

    [Fact]
    public async Task TooManyCreationsHonoursRetryAfter()
    {
        _graph.Respond = _ => GraphReply.Error(429, 80008, "(#80008) There have been too many calls to this WhatsApp Business account.", "Wait a bit and try again.", ("Retry-After", "120"));

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SubmitAsync(Account, Definition(new TemplateComponents("Hi.", Examples()))));

        Assert.Equal(FailureReason.RateLimited, e.Error.Reason);
        Assert.True(e.IsRetryable);
        Assert.Equal(TimeSpan.FromSeconds(120), e.RetryAfter);
    }

    [Fact]
    public async Task AServerErrorWithoutAGraphBodyIsRetryable()
    {
        _graph.Respond = _ => new GraphReply(503, "<html>Service Unavailable</html>");

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().ListAsync(Account));

        Assert.Equal(("http_503", FailureReason.ProviderUnavailable, true), (e.Error.Code, e.Error.Reason, e.IsRetryable));
    }

    [Fact]
    public async Task ASlowSubmitIsAnUnknownOutcomeAndIsNotResent()
    {
        _graph.Respond = _ => new GraphReply(200, Created, Delay: TimeSpan.FromSeconds(10));

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() =>
            Client(TimeSpan.FromSeconds(2)).SubmitAsync(Account, Definition(new TemplateComponents("Hi.", Examples()))));

        Assert.Single(_graph.Requests);
    }

    public static TheoryData<string, ProviderTemplateStatus> Statuses => new()
    {
        { "APPROVED", ProviderTemplateStatus.Approved },
        { "PENDING", ProviderTemplateStatus.Pending },
        { "IN_APPEAL", ProviderTemplateStatus.Pending },
        { "REJECTED", ProviderTemplateStatus.Rejected },
        { "PAUSED", ProviderTemplateStatus.Paused },
        { "DISABLED", ProviderTemplateStatus.Disabled },
        { "PENDING_DELETION", ProviderTemplateStatus.Disabled },
        { "DELETED", ProviderTemplateStatus.Disabled },
        { "ARCHIVED", ProviderTemplateStatus.Disabled },
        { "LIMIT_EXCEEDED", ProviderTemplateStatus.Unknown },
        { "SOMETHING_NEW", ProviderTemplateStatus.Unknown },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task EveryMetaStatusHasOurWord(string metaStatus, ProviderTemplateStatus expected)
    {
        _graph.Respond = _ => new GraphReply(200, $$$"""
            {"data":[{"name":"order_shipped","language":"en_US","status":"{{{metaStatus}}}","rejected_reason":"NONE",
                      "quality_score":{"score":"GREEN","date":1718000000},"id":"594425479261596"}],
             "paging":{"cursors":{"before":"QVFIUm","after":"QVFIUm"} } }
            """);

        var review = await Client().GetStatusAsync(Account, "order_shipped", "en_US");

        Assert.Equal(new TemplateReview("594425479261596", "order_shipped", "en_US", expected, null, "GREEN", metaStatus), review);
    }

    [Fact]
    public async Task ARejectedTemplateCarriesItsReasonAndAPausedOneItsQuality()
    {
        _graph.Respond = _ => new GraphReply(200, """
            {"data":[
              {"name":"order_shipped","language":"en_US","status":"REJECTED","rejected_reason":"INVALID_FORMAT","id":"111"},
              {"name":"order_shipped","language":"sv","status":"PAUSED","rejected_reason":"NONE","quality_score":{"score":"RED","date":1718000000},"id":"222"}]}
            """);

        var rejected = await Client().GetStatusAsync(Account, "order_shipped", "en-US");
        var paused = await Client().GetStatusAsync(Account, "order_shipped", "sv");

        Assert.Equal(new TemplateReview("111", "order_shipped", "en_US", ProviderTemplateStatus.Rejected, "INVALID_FORMAT", null, "REJECTED"), rejected);
        Assert.Equal(new TemplateReview("222", "order_shipped", "sv", ProviderTemplateStatus.Paused, null, "RED", "PAUSED"), paused);
    }

    [Fact]
    public async Task GetStatusAsksByNameAndPicksTheExactNameAndLanguage()
    {
        _graph.Respond = _ => new GraphReply(200, """
            {"data":[
              {"name":"order_shipped_v2","language":"en_US","status":"APPROVED","id":"1"},
              {"name":"order_shipped","language":"es","status":"APPROVED","id":"2"},
              {"name":"order_shipped","language":"en_US","status":"PENDING","id":"3"}]}
            """);

        var review = await Client().GetStatusAsync(Account, "order_shipped", "en_US");

        Assert.Equal("3", review?.ProviderTemplateId);
        var request = Assert.Single(_graph.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal(TemplatesPath + ReadQuery + "&name=order_shipped", request.PathAndQuery);
        Assert.Equal("Bearer EAAGtestTOKEN123", request.Header("Authorization"));
    }

    [Fact]
    public async Task AnUnknownTemplateIsNull()
    {
        _graph.Respond = _ => new GraphReply(200, """{"data":[]}""");

        Assert.Null(await Client().GetStatusAsync(Account, "no_such_template", "en"));
    }

    [Fact]
    public async Task ListFollowsEveryPageOnOurOwnHost()
    {
        _graph.Respond = request => request.PathAndQuery switch
        {
            TemplatesPath + ReadQuery => new GraphReply(200, """
                {"data":[{"name":"a","language":"en","status":"APPROVED","id":"1"},{"name":"b","language":"en","status":"PENDING","id":"2"}],
                 "paging":{"cursors":{"before":"B1","after":"A1=="},"next":"https://graph.facebook.com/v25.0/102290129340398/message_templates?after=A1%3D%3D"}}
                """),
            TemplatesPath + ReadQuery + "&after=A1%3D%3D" => new GraphReply(200, """
                {"data":[{"name":"c","language":"sv","status":"REJECTED","rejected_reason":"PROMOTIONAL","id":"3"}],
                 "paging":{"next":"https://evil.example/v25.0/102290129340398/message_templates?limit=25&after=A2"}}
                """),
            TemplatesPath + ReadQuery + "&after=A2" => new GraphReply(200, """
                {"data":[{"name":"d","language":"en","status":"DISABLED","id":"4"}],"paging":{"cursors":{"before":"B3","after":"A3"}}}
                """),
            _ => new GraphReply(404, """{"error":{"message":"unexpected","code":100}}"""),
        };

        var all = await Client().ListAsync(Account);

        Assert.Equal(["1", "2", "3", "4"], all.Select(t => t.ProviderTemplateId));
        Assert.Equal("PROMOTIONAL", all[2].RejectionReason);
        Assert.Equal(3, _graph.Requests.Count);
        Assert.All(_graph.Requests, r => Assert.Equal("Bearer EAAGtestTOKEN123", r.Header("Authorization")));
    }

    [Fact]
    public async Task APagingLoopIsStopped()
    {
        _graph.Respond = _ => new GraphReply(200, """
            {"data":[{"name":"a","language":"en","status":"APPROVED","id":"1"}],"paging":{"cursors":{"after":"SAME"},"next":"https://graph.facebook.com/x?after=SAME"}}
            """);

        var e = await Assert.ThrowsAsync<ChannelSendException>(() => Client().ListAsync(Account));

        Assert.Equal("paging", e.Error.Code);
        Assert.Equal(2, _graph.Requests.Count);
    }

    [Fact]
    public async Task AReadAnswerWithoutDataIsAnUnknownOutcome()
    {
        _graph.Respond = _ => new GraphReply(200, """{"templates":[]}""");

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() => Client().ListAsync(Account));
    }

    [Fact]
    public async Task ASlowReadIsAnUnknownOutcome()
    {
        _graph.Respond = _ => new GraphReply(200, """{"data":[]}""", Delay: TimeSpan.FromSeconds(10));

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() => Client(TimeSpan.FromSeconds(2)).GetStatusAsync(Account, "a", "en"));
    }

    [Fact]
    public void ConstructorValidatesArguments()
    {
        Assert.Throws<ArgumentNullException>(() => new MetaTemplateClient(null!, new MetaClientOptions()));
        Assert.Throws<ArgumentNullException>(() => new MetaTemplateClient(_http, null!));
        Assert.Throws<ArgumentException>(() => new MetaTemplateClient(_http, new MetaClientOptions { ApiVersion = "latest" }));
    }
}
