using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Channels;
using Functions.Templates;
using Functions.Tenants;
using Functions.Tests.Channels.Meta;
using Functions.Tests.Channels.Twilio;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Templates;

/// <summary>
/// Submission and status sync over real HTTP against fake Meta and Twilio servers on 127.0.0.1,
/// and a Twilio template send with its content variables.
/// </summary>
public sealed class TemplateSubmissionTests : IAsyncLifetime
{
    private SendingApp _app = null!;

    public async Task InitializeAsync() => _app = await SendingApp.StartAsync(settings: null, driven: true);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static object Definition(string name) => new
    {
        name, language = "en_US", category = "UTILITY",
        components = new
        {
            body = "Hi {{1}}, your order {{2}} has shipped. Track it with the button.",
            bodyExamples = new Dictionary<string, string> { ["1"] = "Ada", ["2"] = "#1042" },
            buttons = new object[] { new { type = "url", text = "Track", url = "https://track.example.com/p/{{1}}", example = "1042" } },
        },
    };

    private async Task<TemplateDetail> DetailAsync(HttpClient client, string name) =>
        (await client.GetFromJsonAsync<TemplateDetail>($"/api/templates/{name}/en_US", TestJson.Options))!;

    /// <summary>One run of the sync timer's work for a tenant, as the timer function does it.</summary>
    private async Task SyncAsync(string tenant) =>
        await Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<SyncTemplateStatusesHandler>(_app.Api.App.Services)
            .SyncAsync((await _app.Get<TenantDirectory>().FindAsync(tenant, default))!, default);

    [Fact]
    public async Task MetaGetsTheTemplateWithItsExamplesAndTheSyncReadsItsApproval()
    {
        _app.Meta.Respond = r => r.Method == "POST"
            ? new GraphReply(200, """{"id":"594425479261596","status":"PENDING","category":"UTILITY"}""")
            : new GraphReply(200, """{"data":[{"id":"594425479261596","name":"order_shipped","language":"en_US","status":"APPROVED","quality_score":{"score":"GREEN"}}],"paging":{"cursors":{"before":"a","after":"b"}}}""");
        await _app.MetaAdmin.PostAsJsonAsync("/api/templates", Definition("order_shipped"));

        var submitted = await _app.MetaAdmin.PostAsync("/api/templates/order_shipped/en_US/submit", null);

        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var request = Assert.Single(_app.Meta.Requests, r => r.Method == "POST");
        Assert.Equal("/v25.0/102290129340398/message_templates", request.PathAndQuery);
        Assert.Equal($"Bearer {SendingApp.MetaToken}", request.Header("Authorization"));
        using (var body = JsonDocument.Parse(request.Body))
        {
            Assert.Equal(("order_shipped", "en_US", "UTILITY"), (body.RootElement.GetProperty("name").GetString(), body.RootElement.GetProperty("language").GetString(), body.RootElement.GetProperty("category").GetString()));
            var bodyComponent = body.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("type").GetString() == "BODY");
            Assert.Equal("""[["Ada","#1042"]]""", bodyComponent.GetProperty("example").GetProperty("body_text").GetRawText());
        }
        var pending = (await DetailAsync(_app.MetaAdmin, "order_shipped")).Latest;
        Assert.Equal((TemplateStatus.Pending, "594425479261596"), (pending.Status, pending.ProviderTemplateId));

        await SyncAsync("mt");

        var approved = (await DetailAsync(_app.MetaAdmin, "order_shipped")).Latest;
        Assert.Equal((TemplateStatus.Approved, "GREEN"), (approved.Status, approved.QualityRating));
    }

    [Fact]
    public async Task AMetaRefusalPutsTheDraftBackWithTheReasonInItsHistory()
    {
        _app.Meta.Respond = _ => GraphReply.Error(400, 100, "Invalid parameter", "There is already English (US) content for this template.");
        await _app.MetaAdmin.PostAsJsonAsync("/api/templates", Definition("order_dupe"));

        var submitted = await _app.MetaAdmin.PostAsync("/api/templates/order_dupe/en_US/submit", null);

        Assert.Equal(HttpStatusCode.BadGateway, submitted.StatusCode);
        Assert.Contains("already English (US) content", (await SendingApp.ReadProblemAsync(submitted)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var detail = await DetailAsync(_app.MetaAdmin, "order_dupe");
        Assert.Equal(TemplateStatus.Draft, detail.Latest.Status);
        Assert.Equal("submission refused", detail.History[^1].Event);
    }

    [Fact]
    public async Task TwilioGetsAContentAndAnApprovalRequestAndTheSyncReadsTheReview()
    {
        const string sid = "HX0123456789abcdef0123456789abcdef";
        var approval = "received";
        _app.Twilio.Respond = (r, context) => (r.Method, r.Path) switch
        {
            ("POST", "/v1/Content") => FakeTwilioServer.Json(context, 201, $$"""{"sid":"{{sid}}","friendly_name":"order_ready","language":"en_US"}"""),
            ("POST", $"/v1/Content/{sid}/ApprovalRequests/whatsapp") => FakeTwilioServer.Json(context, 201, """{"name":"order_ready","category":"UTILITY","status":"received","rejection_reason":""}"""),
            ("GET", $"/v1/Content/{sid}/ApprovalRequests") => FakeTwilioServer.Json(context, 200, $$$"""{"sid":"{{{sid}}}","whatsapp":{"name":"order_ready","category":"UTILITY","status":"{{{approval}}}","rejection_reason":""}}"""),
            _ => FakeTwilioServer.Created(context, "SM" + new string('c', 32), "queued"),
        };
        await _app.TwilioAdmin.PostAsJsonAsync("/api/templates", Definition("order_ready"));

        Assert.Equal(HttpStatusCode.Accepted, (await _app.TwilioAdmin.PostAsync("/api/templates/order_ready/en_US/submit", null)).StatusCode);

        var content = Assert.Single(_app.Twilio.Requests, r => r.Path == "/v1/Content");
        using (var body = JsonDocument.Parse(content.Body))
        {
            Assert.Equal("order_ready", body.RootElement.GetProperty("friendly_name").GetString());
            Assert.Equal("""{"1":"Ada","2":"#1042","3":"1042"}""", body.RootElement.GetProperty("variables").GetRawText());
        }
        Assert.Single(_app.Twilio.Requests, r => r.Path.EndsWith("/ApprovalRequests/whatsapp", StringComparison.Ordinal));
        Assert.Equal((TemplateStatus.Pending, sid), ((await DetailAsync(_app.TwilioAdmin, "order_ready")).Latest.Status, (await DetailAsync(_app.TwilioAdmin, "order_ready")).Latest.ProviderTemplateId));

        approval = "approved";
        await SyncAsync("tw");
        Assert.Equal(TemplateStatus.Approved, (await DetailAsync(_app.TwilioAdmin, "order_ready")).Latest.Status);

        // Sending it: the Content SID and one numbering of variables for body and button.
        await _app.CustomerWritesAsync("tw", "+46706660001", _app.Clock!.GetUtcNow());
        var sent = await _app.TwilioAdmin.PostAsJsonAsync("/api/messages", new
        {
            to = "+46706660001", type = "template",
            template = new { name = "order_ready", language = "en_US", parameters = new Dictionary<string, string> { ["1"] = "Ada", ["2"] = "#7", ["button.0"] = "7" } },
        });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        await _app.RunSendsAsync();
        var message = Assert.Single(_app.Twilio.Requests, r => r.Path.EndsWith("/Messages.json", StringComparison.Ordinal));
        Assert.Equal(sid, message.Single("ContentSid"));
        Assert.Equal("""{"1":"Ada","2":"#7","3":"7"}""", message.Single("ContentVariables"));
    }

    private const string AppId = "987654321012345";
    private static readonly byte[] Pdf = [.. "%PDF-1.4\n"u8, 0x00, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A];

    private async Task CreateReceiptTemplateAsync(string name, string path) =>
        (await _app.MetaAdmin.PostAsJsonAsync("/api/templates", new
        {
            name, language = "en_US", category = "UTILITY",
            components = new { header = new { format = "document", mediaExampleUrl = new Uri(_app.Meta.BaseUrl, path).ToString() }, body = "Here is your receipt. Thank you for shopping with us.", bodyExamples = new Dictionary<string, string>() },
        })).EnsureSuccessStatusCode();

    private async Task SetAppIdAsync() =>
        (await _app.Api.Operator().PatchAsJsonAsync("/api/operator/tenants/mt", new { provider = new { type = "meta", appId = AppId } })).EnsureSuccessStatusCode();

    [Fact]
    public async Task AMetaMediaHeaderTemplateIsRefusedUpFrontAndStaysADraft()
    {
        // Without the tenant's Meta app id the example cannot be uploaded: refused with the reason, nothing fetched or sent.
        await CreateReceiptTemplateAsync("receipt_pdf", "/files/receipt.pdf");

        var submitted = await _app.MetaAdmin.PostAsync("/api/templates/receipt_pdf/en_US/submit", null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, submitted.StatusCode);
        Assert.Contains("appId", (await SendingApp.ReadProblemAsync(submitted)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TemplateStatus.Draft, (await DetailAsync(_app.MetaAdmin, "receipt_pdf")).Latest.Status);
        Assert.Empty(_app.Meta.Requests);
    }

    [Fact]
    public async Task AMetaMediaHeaderExampleIsFetchedUploadedAndItsHandleSubmitted()
    {
        await SetAppIdAsync();
        const string session = "upload:MTphdHRhY2htZW50OjQ5ZjM3=?sig=ARZqkGCA_uQMx";
        const string handle = "4::YXBwbGljYXRpb24vcGRm:ARa1ZDhwbLZM3EENeeg";
        _app.Meta.Respond = r => (r.Method, r.PathAndQuery.Split('?')[0]) switch
        {
            ("GET", "/files/receipt.pdf") => GraphReply.File(Pdf, "application/pdf"),
            ("POST", $"/v25.0/{AppId}/uploads") => new GraphReply(200, $$"""{"id":"{{session}}"}"""),
            ("POST", "/v25.0/upload:MTphdHRhY2htZW50OjQ5ZjM3=") => new GraphReply(200, $$"""{"h":"{{handle}}"}"""),
            _ => new GraphReply(200, """{"id":"594425479261596","status":"PENDING","category":"UTILITY"}"""),
        };
        await CreateReceiptTemplateAsync("receipt_doc", "/files/receipt.pdf");

        var submitted = await _app.MetaAdmin.PostAsync("/api/templates/receipt_doc/en_US/submit", null);

        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var requests = _app.Meta.Requests;
        Assert.Equal(["GET /files/receipt.pdf", $"POST /v25.0/{AppId}/uploads?file_name=receipt.pdf&file_length={Pdf.Length}&file_type=application%2Fpdf",
            $"POST /v25.0/{session}", "POST /v25.0/102290129340398/message_templates"], requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        Assert.Null(requests[0].Header("Authorization")); // the example's host never sees the token
        Assert.Equal($"Bearer {SendingApp.MetaToken}", requests[1].Header("Authorization"));
        Assert.Equal($"OAuth {SendingApp.MetaToken}", requests[2].Header("Authorization"));
        Assert.Equal("0", requests[2].Header("file_offset"));
        Assert.Equal(Pdf, requests[2].RawBody);
        using (var body = JsonDocument.Parse(requests[3].Body))
        {
            var header = body.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("type").GetString() == "HEADER");
            Assert.Equal("DOCUMENT", header.GetProperty("format").GetString());
            Assert.Equal($$"""["{{handle}}"]""", header.GetProperty("example").GetProperty("header_handle").GetRawText());
        }
        var pending = (await DetailAsync(_app.MetaAdmin, "receipt_doc")).Latest;
        Assert.Equal((TemplateStatus.Pending, "594425479261596"), (pending.Status, pending.ProviderTemplateId));
    }

    [Theory]
    [InlineData("missing", "HTTP 404")]
    [InlineData("huge", "at most 16 MB")]
    [InlineData("png", "application/pdf")]
    public async Task AnExampleThatCannotBeFetchedOrUsedRefusesTheSubmissionAndKeepsTheDraft(string file, string reason)
    {
        await SetAppIdAsync();
        var huge = new byte[16 * 1024 * 1024 + 1];
        _app.Meta.Respond = r => r.PathAndQuery switch
        {
            "/files/huge" => GraphReply.File(huge, "application/pdf"),
            "/files/png" => GraphReply.File([0x89, 0x50, 0x4E, 0x47], "image/png"),
            _ => new GraphReply(404, "not found"),
        };
        await CreateReceiptTemplateAsync("receipt_" + file, "/files/" + file);

        var submitted = await _app.MetaAdmin.PostAsync($"/api/templates/receipt_{file}/en_US/submit", null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, submitted.StatusCode);
        Assert.Contains(reason, (await SendingApp.ReadProblemAsync(submitted)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var detail = await DetailAsync(_app.MetaAdmin, "receipt_" + file);
        Assert.Equal(TemplateStatus.Draft, detail.Latest.Status);
        Assert.Equal("not submitted", detail.History[^1].Event);
        Assert.DoesNotContain(_app.Meta.Requests, r => r.Method == "POST");
    }
}
