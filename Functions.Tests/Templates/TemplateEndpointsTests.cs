using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Sandbox;
using Functions.Templates;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Templates;

/// <summary>
/// Templates through the API on a sandbox tenant: drafts, lint, preview, submission and the
/// sandbox's review, then sending through the one template path; bad input on every route.
/// </summary>
public sealed class TemplateEndpointsTests(TemplateEndpointsTests.LiveApp live) : IClassFixture<TemplateEndpointsTests.LiveApp>
{
    public sealed class LiveApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;
        public HttpClient Agent { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await SendingApp.StartAsync(new Dictionary<string, string?>
            {
                ["Templates:SandboxReviewAfter"] = "00:00:00",
                ["Sandbox:DeliveredAfter"] = "00:00:00",
                ["Sandbox:ReadAfter"] = "00:00:00",
            });
            Agent = await App.ClientAsync("sb", "agent");
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = live.App;
    private HttpClient Admin => _app.SandboxAdmin;

    private static object Shipped(string name, string language = "en", string body = "Hi {{1}}, your order {{2}} has shipped. Track it below.", string category = "Shipping Update") => new
    {
        name, language, category,
        components = new
        {
            header = new { format = "text", text = "Order {{1}}", example = "#1042" },
            body,
            bodyExamples = new Dictionary<string, string> { ["1"] = "Ada", ["2"] = "#1042" },
            footer = "Reply STOP to opt out",
            buttons = new object[] { new { type = "url", text = "Track parcel", url = "https://track.example.com/p/{{1}}", example = "1042" } },
        },
    };

    private async Task<TemplateView> ApprovedAsync(string name, string language = "en")
    {
        Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsJsonAsync("/api/templates", Shipped(name, language))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Admin.PostAsync($"/api/templates/{name}/{language}/submit", null)).StatusCode);
        TemplateDetail? detail = null;
        await Eventually.TrueAsync(async () =>
            (detail = await Admin.GetFromJsonAsync<TemplateDetail>($"/api/templates/{name}/{language}", TestJson.Options))!.Latest.Status == TemplateStatus.Approved,
            "the sandbox approved it");
        return detail!.Latest;
    }

    [Fact]
    public async Task ADraftIsLintedSubmittedAndApprovedByTheSandboxWithItsHistory()
    {
        var created = await Admin.PostAsJsonAsync("/api/templates", Shipped("order_shipped_a"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var draft = (await created.Content.ReadFromJsonAsync<TemplateView>(TestJson.Options))!;
        Assert.Equal((TemplateStatus.Draft, TemplateCategory.Utility, "Shipping Update"), (draft.Status, draft.Category, draft.Label));
        Assert.Equal(["1", "2", "button.0", "header.1"], draft.Variables.Select(v => v.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(draft.Findings!, f => f.Severity == LintSeverity.Error);

        var approved = await ApprovedAsync("order_shipped_b");

        Assert.StartsWith("sbxtpl", approved.ProviderTemplateId, StringComparison.Ordinal);
        var detail = await Admin.GetFromJsonAsync<TemplateDetail>("/api/templates/order_shipped_b/en", TestJson.Options);
        Assert.Equal(["created", "submitted", "accepted for review", "reviewed"], detail!.History.Select(h => h.Event));
    }

    [Fact]
    public async Task TheSandboxRejectsWhatTheLinterCallsAnErrorAndTheSubmitSaysSoFirst()
    {
        var bad = await Admin.PostAsJsonAsync("/api/templates", Shipped("greeting_first", body: "{{1}}, your order {{2}} has shipped."));
        Assert.Equal(HttpStatusCode.Created, bad.StatusCode);
        Assert.Contains((await bad.Content.ReadFromJsonAsync<TemplateView>(TestJson.Options))!.Findings!, f => f.Code == LintCodes.VariableAtStart);

        var submit = await Admin.PostAsync("/api/templates/greeting_first/en/submit", null);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, submit.StatusCode);
        var problem = await SendingApp.ReadProblemAsync(submit);
        Assert.Contains(problem.GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == LintCodes.VariableAtStart);
        Assert.Equal(TemplateStatus.Draft, (await Admin.GetFromJsonAsync<TemplateDetail>("/api/templates/greeting_first/en", TestJson.Options))!.Latest.Status);
    }

    [Fact]
    public async Task AnApprovedTemplateIsNeverEditedInPlace()
    {
        await ApprovedAsync("order_paid");

        var edited = await Admin.PutAsJsonAsync("/api/templates/order_paid/en", Shipped("order_paid", body: "Thanks {{1}}! We got the payment for order {{2}}. Details below."));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);

        var detail = await Admin.GetFromJsonAsync<TemplateDetail>("/api/templates/order_paid/en", TestJson.Options);
        Assert.Equal([(1, TemplateStatus.Approved), (2, TemplateStatus.Draft)], detail!.Versions.Select(v => (v.Version, v.Status)));
        Assert.Equal("order_paid_v2", detail.Latest.ProviderName);
        Assert.Equal(HttpStatusCode.Conflict, (await Admin.DeleteAsync("/api/templates/order_paid/en")).StatusCode);
    }

    [Fact]
    public async Task APreviewShowsTheTextAsTheCustomerSeesItAndNamesEachBadParameter()
    {
        await Admin.PostAsJsonAsync("/api/templates", Shipped("order_preview"));

        var preview = await _app.Api.Client(null).SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/templates/order_preview/en/preview")
        {
            Content = JsonContent.Create(new { parameters = new Dictionary<string, string> { ["1"] = "Ada" } }),
        });
        Assert.Equal(HttpStatusCode.Unauthorized, preview.StatusCode);

        var ok = await live.Agent.PostAsJsonAsync("/api/templates/order_preview/en/preview",
            new { parameters = new Dictionary<string, string> { ["header.1"] = "#7", ["1"] = "Ada", ["2"] = "#7", ["button.0"] = "7" } });
        var rendered = (await ok.Content.ReadFromJsonAsync<RenderedTemplate>(TestJson.Options))!;
        Assert.Equal(("Order #7", "Hi Ada, your order #7 has shipped. Track it below.", "Reply STOP to opt out"), (rendered.Header, rendered.Body, rendered.Footer));
        Assert.Equal("https://track.example.com/p/7", rendered.Buttons.Single().Url);

        var bad = await live.Agent.PostAsJsonAsync("/api/templates/order_preview/en/preview",
            new { parameters = new Dictionary<string, string> { ["header.1"] = "#7", ["1"] = "Ada\nLovelace", ["3"] = "x", ["button.0"] = "7" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await SendingApp.ReadProblemAsync(bad)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("parameters.1", out _) && errors.TryGetProperty("parameters.2", out _) && errors.TryGetProperty("parameters.3", out _), errors.ToString());
    }

    [Fact]
    public async Task SendingUsesTheApprovedTemplateInTheContactsLanguageWithItsParameters()
    {
        await ApprovedAsync("order_sent", "en");
        await ApprovedAsync("order_sent", "sv");
        await _app.Get<Functions.Contacts.ContactBook>().UpsertAsync("sb", "+46705550001", c => c with { Language = "sv_SE" }, default);

        var response = await Admin.PostAsJsonAsync("/api/messages", new
        {
            to = "+46705550001",
            type = "template",
            template = new { name = "order_sent", parameters = new Dictionary<string, string> { ["header.1"] = "#9", ["1"] = "Ada", ["2"] = "#9", ["button.0"] = "9" } },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = await SendingApp.ReadMessageAsync(response);
        Assert.Equal(("utility", "Hi Ada, your order #9 has shipped. Track it below."), (message.Purpose, message.Text));
        var sent = await SendingApp.WaitForAsync(Admin, message.Id, m => m.ProviderMessageId is not null, "the sandbox took it");
        var recorded = await _app.Get<SandboxChannel>().FindAsync("sb", sent.ProviderMessageId!, default);
        Assert.Equal(("order_sent", "sv"), (recorded!.Template!.Name, recorded.Template.Language)); // sv_SE → sv
        Assert.Equal("#9", recorded.Template.HeaderText);
        Assert.Equal([new TemplateButtonValue(0, TemplateButtonValueKind.UrlSuffix, "9")], recorded.Template.ButtonValues);
    }

    [Fact]
    public async Task AnAuthenticationTemplateIsWrittenWithItsOptionsPreviewedApprovedAndSentWithTheCode()
    {
        var bad = await Admin.PostAsJsonAsync("/api/templates", new
        {
            name = "login_code_bad", language = "en", category = "AUTHENTICATION",
            components = new { authentication = new { codeExpirationMinutes = 120, copyCodeText = "" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badFields = (await SendingApp.ReadProblemAsync(bad)).GetProperty("errors");
        Assert.True(badFields.TryGetProperty("components.authentication.codeExpirationMinutes", out _) && badFields.TryGetProperty("components.authentication.copyCodeText", out _), badFields.ToString());

        var created = await Admin.PostAsJsonAsync("/api/templates", new
        {
            name = "login_code", language = "en", category = "AUTHENTICATION",
            components = new { authentication = new { addSecurityRecommendation = true, codeExpirationMinutes = 10 } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var draft = (await created.Content.ReadFromJsonAsync<TemplateView>(TestJson.Options))!;
        Assert.Equal((AuthenticationTemplate.Body, new AuthenticationOptions(true, 10)), (draft.Components.Body, draft.Components.Authentication));
        Assert.Equal(["1"], draft.Variables.Select(v => v.Key));
        Assert.Empty(draft.Findings!);

        var preview = await live.Agent.PostAsJsonAsync("/api/templates/login_code/en/preview", new { parameters = new Dictionary<string, string> { ["1"] = "482913" } });
        var rendered = (await preview.Content.ReadFromJsonAsync<RenderedTemplate>(TestJson.Options))!;
        Assert.Equal(("482913 is your verification code. For your security, do not share this code.", "This code expires in 10 minutes."), (rendered.Body, rendered.Footer));
        Assert.Equal(new RenderedButton(TemplateButtonType.CopyCode, "Copy code", Code: "482913"), Assert.Single(rendered.Buttons));

        Assert.Equal(HttpStatusCode.Accepted, (await Admin.PostAsync("/api/templates/login_code/en/submit", null)).StatusCode);
        await Eventually.TrueAsync(async () =>
            (await Admin.GetFromJsonAsync<TemplateDetail>("/api/templates/login_code/en", TestJson.Options))!.Latest.Status == TemplateStatus.Approved,
            "the sandbox approved it");

        var response = await Admin.PostAsJsonAsync("/api/messages", new
        {
            to = "+46705550003", type = "template",
            template = new { name = "login_code", parameters = new Dictionary<string, string> { ["1"] = "482913" } },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = await SendingApp.ReadMessageAsync(response);
        Assert.Equal(("authentication", "482913 is your verification code. For your security, do not share this code."), (message.Purpose, message.Text));
        var sent = await SendingApp.WaitForAsync(Admin, message.Id, m => m.ProviderMessageId is not null, "the sandbox took it");
        var recorded = await _app.Get<SandboxChannel>().FindAsync("sb", sent.ProviderMessageId!, default);
        Assert.Equal("482913", recorded!.Template!.Variables["1"]);
        Assert.Equal([new TemplateButtonValue(0, TemplateButtonValueKind.UrlSuffix, "482913")], recorded.Template!.ButtonValues);
    }

    [Fact]
    public async Task ATemplateThatIsNotApprovedOrWhoseParametersDoNotFitIsNotSent()
    {
        await Admin.PostAsJsonAsync("/api/templates", Shipped("order_draft_only"));
        await ApprovedAsync("order_fits");
        object Send(string name, Dictionary<string, string> parameters) =>
            new { to = "+46705550002", type = "template", template = new { name, parameters } };

        var draft = await Admin.PostAsJsonAsync("/api/messages", Send("order_draft_only", []));
        Assert.Equal(HttpStatusCode.Conflict, draft.StatusCode);
        Assert.Contains("draft in en", (await SendingApp.ReadProblemAsync(draft)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.PostAsJsonAsync("/api/messages", Send("no_such_template", []))).StatusCode);

        var missing = await Admin.PostAsJsonAsync("/api/messages", Send("order_fits", new() { ["1"] = "Ada" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        var errors = (await SendingApp.ReadProblemAsync(missing)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("template.parameters.2", out _), errors.ToString());
        Assert.Null(await _app.Get<Functions.Conversations.ConversationStore>().FindOpenAsync("sb", "sandbox", "+46705550002", default));
    }

    [Fact]
    public async Task ListsFilterByStatusCategoryAndLanguage()
    {
        await ApprovedAsync("list_me", "en");
        await Admin.PostAsJsonAsync("/api/templates", Shipped("list_me", "sv", category: "MARKETING"));

        var approved = await Admin.GetFromJsonAsync<TemplateList>("/api/templates?status=approved&language=en", TestJson.Options);
        var marketing = await Admin.GetFromJsonAsync<TemplateList>("/api/templates?category=marketing", TestJson.Options);

        Assert.Contains(approved!.Items, t => t.Name == "list_me" && t.Language == "en");
        Assert.DoesNotContain(approved.Items, t => t.Status != TemplateStatus.Approved || t.Language != "en");
        Assert.Contains(marketing!.Items, t => t.Name == "list_me" && t.Language == "sv");
        Assert.All(marketing.Items, t => Assert.Equal(TemplateCategory.Marketing, t.Category));
    }

    public static TheoryData<string, string, string, HttpStatusCode, string?> BadRequests => new()
    {
        { "POST", "/api/templates", """{"name":"Order Shipped","language":"en","category":"utility","components":{"body":"Hi"}}""", HttpStatusCode.BadRequest, "name" },
        { "POST", "/api/templates", """{"name":"x","language":"english","category":"utility","components":{"body":"Hi"}}""", HttpStatusCode.BadRequest, "language" },
        { "POST", "/api/templates", """{"name":"x","language":"en","category":"spam","components":{"body":"Hi"}}""", HttpStatusCode.BadRequest, "category" },
        { "POST", "/api/templates", """{"name":"x","language":"en","category":"utility","components":{}}""", HttpStatusCode.BadRequest, "components.body" },
        { "POST", "/api/templates", """{"name":"x","language":"en","category":"utility","components":{"body":"Hi","buttons":[{"type":"fax","text":"x"}]}}""", HttpStatusCode.BadRequest, "components.buttons[0].type" },
        { "POST", "/api/templates", """{"name":"x","language":"en","category":"utility","components":{"body":"Hi","header":{"format":"image"}}}""", HttpStatusCode.BadRequest, "components.header.mediaExampleUrl" },
        { "POST", "/api/templates", """{"name": """, HttpStatusCode.BadRequest, null },
        { "POST", "/api/templates/lint", """{"name":"x","language":"en","category":"nope","components":{"body":"Hi"}}""", HttpStatusCode.BadRequest, "category" },
        { "PUT", "/api/templates/no_such/en", """{"category":"utility","components":{"body":"Hi"}}""", HttpStatusCode.NotFound, null },
        { "PUT", "/api/templates/no_such/en", """{"name":"other","category":"utility","components":{"body":"Hi"}}""", HttpStatusCode.BadRequest, "name" },
        { "DELETE", "/api/templates/no_such/en", "", HttpStatusCode.NotFound, null },
        { "GET", "/api/templates/no_such/en", "", HttpStatusCode.NotFound, null },
        { "GET", "/api/templates?status=lost", "", HttpStatusCode.BadRequest, "status" },
        { "POST", "/api/templates/no_such/en/submit", "", HttpStatusCode.NotFound, null },
        { "POST", "/api/templates/no_such/en/preview", """{"parameters":{}}""", HttpStatusCode.NotFound, null },
        { "PUT", "/api/templates/promotional-words", """{"words":{"klingon":["qapla"]}}""", HttpStatusCode.BadRequest, "words.klingon" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequestsGetAProblemAndChangeNothing(string method, string path, string body, HttpStatusCode status, string? field)
    {
        var before = await Admin.GetFromJsonAsync<TemplateList>("/api/templates", TestJson.Options);
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await Admin.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        var problem = await SendingApp.ReadProblemAsync(response);
        if (field is not null) Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        var after = await Admin.GetFromJsonAsync<TemplateList>("/api/templates", TestJson.Options);
        Assert.Equal(before!.Items.Select(t => (t.Name, t.Language, t.Version, t.Status)), after!.Items.Select(t => (t.Name, t.Language, t.Version, t.Status)));
    }

    [Fact]
    public async Task AgentsReadButDoNotWriteAndAnotherTenantSeesNothing()
    {
        await Admin.PostAsJsonAsync("/api/templates", Shipped("tenant_own"));

        Assert.Equal(HttpStatusCode.Forbidden, (await live.Agent.PostAsJsonAsync("/api/templates", Shipped("agent_made"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await live.Agent.PostAsync("/api/templates/tenant_own/en/submit", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await live.Agent.GetAsync("/api/templates/tenant_own/en")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.MetaAdmin.GetAsync("/api/templates/tenant_own/en")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.MetaAdmin.PostAsync("/api/templates/tenant_own/en/submit", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.MetaAdmin.DeleteAsync("/api/templates/tenant_own/en")).StatusCode);
        Assert.DoesNotContain((await _app.MetaAdmin.GetFromJsonAsync<TemplateList>("/api/templates", TestJson.Options))!.Items, t => t.Name == "tenant_own");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.Api.Client(null).GetAsync("/api/templates")).StatusCode);
    }
}
