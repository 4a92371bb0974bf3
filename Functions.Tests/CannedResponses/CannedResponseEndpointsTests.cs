using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.CannedResponses;
using Functions.Storage;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.CannedResponses;

/// <summary>
/// Canned responses: tenant admins write them, agents read and search them; a shortcut is unique
/// per tenant; every route refuses bad input, wrong roles and other tenants and leaves them as they were.
/// </summary>
public sealed class CannedResponseEndpointsTests(CannedResponseEndpointsTests.App app) : IClassFixture<CannedResponseEndpointsTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public SendingApp Sending { get; private set; } = null!;
        public HttpClient Agent { get; private set; } = null!;
        public HttpClient Orders { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Sending = await SendingApp.StartAsync(driven: true);
            Agent = await Sending.ClientAsync("mt", "agent");
            Orders = await Sending.ClientAsync("mt", "orders");
        }

        public async Task DisposeAsync() => await Sending.DisposeAsync();
    }

    private HttpClient Admin => app.Sending.MetaAdmin;

    private static int _names;

    /// <summary>A shortcut no other test uses, so tests share the tenant safely.</summary>
    private static string Unique(string stem) => $"/{stem}{Interlocked.Increment(ref _names)}";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<CannedResponse> CreateAsync(string shortcut, string text = "Thank you for your order!", string title = "Thanks", string? language = null, HttpClient? client = null)
    {
        var response = await (client ?? Admin).PostAsJsonAsync("/api/canned-responses", new { shortcut, title, text, language });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{shortcut}: {await response.Content.ReadAsStringAsync()}");
        var created = (await response.Content.ReadFromJsonAsync<CannedResponse>(TestJson.Options))!;
        Assert.Equal($"/api/canned-responses/{created.Id}", response.Headers.Location?.OriginalString);
        return created;
    }

    private async Task<CannedResponsePage> ListAsync(string query, HttpClient? client = null) =>
        (await (client ?? app.Agent).GetFromJsonAsync<CannedResponsePage>("/api/canned-responses?" + query, TestJson.Options))!;

    private async Task<int> StoredRowsAsync(string tenant = "mt") =>
        (await app.Sending.Get<ITableStore>().QueryAllAsync(CannedResponse.Table, new TableQuery(tenant))).Count;

    private static async Task<JsonElement> AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.Unauthorized) return default;
        var problem = await SendingApp.ReadProblemAsync(response);
        if (field is not null) Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names '{field}': {problem}");
        return problem;
    }

    [Fact]
    public async Task AnAdminWritesAResponseAndAnAgentReadsIt()
    {
        var shortcut = Unique("Thanks");
        var created = await CreateAsync(shortcut, "Tack för din beställning!", "Tack", "sv");

        Assert.Equal((shortcut.ToLowerInvariant(), "Tack", "Tack för din beställning!", "sv"), (created.Shortcut, created.Title, created.Text, created.Language));
        var read = await app.Agent.GetFromJsonAsync<CannedResponse>($"/api/canned-responses/{created.Id}", TestJson.Options);
        Assert.Equal(created, read);
        Assert.Equal([created.Id], (await ListAsync("prefix=" + Uri.EscapeDataString(created.Shortcut))).Items.Select(r => r.Id));
    }

    [Fact]
    public async Task AShortcutIsUniquePerTenantWhateverItsCase()
    {
        var shortcut = Unique("hello");
        var first = await CreateAsync(shortcut);

        var again = await Admin.PostAsJsonAsync("/api/canned-responses", new { shortcut = shortcut.ToUpperInvariant(), title = "Other", text = "Other" });
        Assert.Equal("shortcut_taken", (await AssertRefusedAsync(again, HttpStatusCode.Conflict)).GetProperty("code").GetString());

        // Another tenant may have the same shortcut.
        var sandbox = await CreateAsync(shortcut, client: app.Sending.SandboxAdmin);
        Assert.NotEqual(first.Id, sandbox.Id);
        Assert.Equal(first, await app.Agent.GetFromJsonAsync<CannedResponse>($"/api/canned-responses/{first.Id}", TestJson.Options));
    }

    [Fact]
    public async Task RenamingKeepsTheIdFreesTheOldShortcutAndCannotTakeAnother()
    {
        var (old, renamed, taken) = (Unique("old"), Unique("renamed"), Unique("taken"));
        var response = await CreateAsync(old);
        var other = await CreateAsync(taken);
        app.Sending.Clock!.Advance(TimeSpan.FromMinutes(1));

        var update = await Admin.PutAsJsonAsync($"/api/canned-responses/{response.Id}", new { shortcut = renamed, title = "New title", text = "New text" });
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var updated = (await update.Content.ReadFromJsonAsync<CannedResponse>(TestJson.Options))!;
        Assert.Equal((response.Id, renamed, "New title", "New text", (string?)null, response.CreatedAt, app.Sending.Clock.GetUtcNow()),
            (updated.Id, updated.Shortcut, updated.Title, updated.Text, updated.Language, updated.CreatedAt, updated.UpdatedAt));
        Assert.Empty((await ListAsync("prefix=" + Uri.EscapeDataString(old))).Items);
        await CreateAsync(old); // free again

        var clash = await Admin.PutAsJsonAsync($"/api/canned-responses/{response.Id}", new { shortcut = taken, title = "x", text = "x" });
        Assert.Equal("shortcut_taken", (await AssertRefusedAsync(clash, HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.Equal(updated, await app.Agent.GetFromJsonAsync<CannedResponse>($"/api/canned-responses/{response.Id}", TestJson.Options));
        Assert.Equal(other, await app.Agent.GetFromJsonAsync<CannedResponse>($"/api/canned-responses/{other.Id}", TestJson.Options));
    }

    [Fact]
    public async Task ListsFilterByPrefixTextAndLanguageAndPageWithoutRepeatsOrGaps()
    {
        var stem = Unique("ship").TrimStart('/');
        var made = new List<CannedResponse>();
        for (var i = 0; i < 7; i++)
        {
            made.Add(await CreateAsync($"/{stem}-{i}", i % 2 == 0 ? $"Your parcel #{i} left the warehouse." : $"Paket #{i} är på väg.", language: i % 2 == 0 ? "en" : "sv"));
        }
        await CreateAsync(Unique("other"), "Ett Paket från ett annat ställe");

        var all = new List<string>();
        string? token = null;
        do
        {
            var page = await ListAsync($"prefix={stem}&pageSize=3" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            Assert.True(page.Items.Count <= 3);
            all.AddRange(page.Items.Select(r => r.Shortcut));
            token = page.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(made.Select(r => r.Shortcut), all);

        // Text search ignores case and accents; language is exact.
        Assert.Equal([$"/{stem}-1", $"/{stem}-3", $"/{stem}-5"], (await ListAsync($"prefix=/{stem}&search={Uri.EscapeDataString("AR PA VÄG")}")).Items.Select(r => r.Shortcut));
        Assert.Equal([$"/{stem}-0", $"/{stem}-2", $"/{stem}-4", $"/{stem}-6"], (await ListAsync($"prefix={stem}&language=en")).Items.Select(r => r.Shortcut));
        Assert.Contains((await ListAsync("search=annat st%C3%A4lle")).Items, r => r.Text == "Ett Paket från ett annat ställe");
    }

    [Fact]
    public async Task AResponseIsRenderedForAConversationsContact()
    {
        var response = await CreateAsync(Unique("greet"), "Hi {{contact_first_name|there}}, {{business_name}} here.");
        var named = await app.Sending.CustomerWritesAsync("mt", "+46706660001", app.Sending.Clock!.GetUtcNow());
        (await app.Agent.PostAsJsonAsync("/api/contacts", new { phone = "+46706660001", name = "Ada Lovelace" })).EnsureSuccessStatusCode();
        var unnamed = await app.Sending.CustomerWritesAsync("mt", "+46706660002", app.Sending.Clock.GetUtcNow());

        var forAda = await app.Agent.PostAsJsonAsync($"/api/canned-responses/{response.Id}/render", new { conversationId = named.Id });
        Assert.Equal(HttpStatusCode.OK, forAda.StatusCode);
        Assert.Equal("Hi Ada, Meta Shop here.", (await forAda.Content.ReadFromJsonAsync<RenderedCannedResponse>(TestJson.Options))!.Text);
        var forNobody = (await (await app.Agent.PostAsJsonAsync($"/api/canned-responses/{response.Id}/render", new { conversationId = unnamed.Id }))
            .Content.ReadFromJsonAsync<RenderedCannedResponse>(TestJson.Options))!;
        Assert.Equal(("Hi there, Meta Shop here.", "contact_first_name"), (forNobody.Text, Assert.Single(forNobody.Missing)));

        await AssertRefusedAsync(await app.Agent.PostAsJsonAsync($"/api/canned-responses/{response.Id}/render", new { conversationId = "nope" }), HttpStatusCode.BadRequest, "conversationId");
        await AssertRefusedAsync(await app.Agent.PostAsync($"/api/canned-responses/{response.Id}/render", Json("{")), HttpStatusCode.BadRequest);
        await AssertRefusedAsync(await app.Agent.PostAsync($"/api/canned-responses/{response.Id}/render",
            Json($$"""{"conversationId":"{{named.Id}}","padding":"{{new string('p', 300_000)}}"}""")), HttpStatusCode.RequestEntityTooLarge);
        await AssertRefusedAsync(await app.Orders.PostAsJsonAsync($"/api/canned-responses/{response.Id}/render", new { conversationId = named.Id }), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await app.Sending.Api.Client(null).PostAsJsonAsync($"/api/canned-responses/{response.Id}/render", new { conversationId = named.Id }), HttpStatusCode.Unauthorized);
        // Another tenant reaches neither the response nor the conversation.
        await AssertRefusedAsync(await app.Sending.SandboxAdmin.PostAsJsonAsync($"/api/canned-responses/{response.Id}/render", new { conversationId = named.Id }), HttpStatusCode.NotFound);
        var sandboxResponse = await CreateAsync(Unique("sbgreet"), "Hi {{contact_name}}", client: app.Sending.SandboxAdmin);
        await AssertRefusedAsync(await app.Sending.SandboxAdmin.PostAsJsonAsync($"/api/canned-responses/{sandboxResponse.Id}/render", new { conversationId = named.Id }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ADeletedResponseIsGoneAndItsShortcutFree()
    {
        var shortcut = Unique("gone");
        var response = await CreateAsync(shortcut);

        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/canned-responses/{response.Id}")).StatusCode);
        await AssertRefusedAsync(await app.Agent.GetAsync($"/api/canned-responses/{response.Id}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await Admin.DeleteAsync($"/api/canned-responses/{response.Id}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await Admin.PutAsJsonAsync($"/api/canned-responses/{response.Id}", new { shortcut, title = "t", text = "t" }), HttpStatusCode.NotFound);
        await CreateAsync(shortcut);
    }

    public static TheoryData<string, string, HttpStatusCode, string?> BadResponses => new()
    {
        { "no slash", """{"shortcut":"thanks","title":"t","text":"t"}""", HttpStatusCode.BadRequest, "shortcut" },
        { "only a slash", """{"shortcut":"/","title":"t","text":"t"}""", HttpStatusCode.BadRequest, "shortcut" },
        { "a space", """{"shortcut":"/thank you","title":"t","text":"t"}""", HttpStatusCode.BadRequest, "shortcut" },
        { "starts with a dash", """{"shortcut":"/-x","title":"t","text":"t"}""", HttpStatusCode.BadRequest, "shortcut" },
        { "a table-key character", """{"shortcut":"/a#b","title":"t","text":"t"}""", HttpStatusCode.BadRequest, "shortcut" },
        { "shortcut over 32", $$"""{"shortcut":"/{{new string('s', 33)}}","title":"t","text":"t"}""", HttpStatusCode.BadRequest, "shortcut" },
        { "no title", """{"shortcut":"/ok","text":"t"}""", HttpStatusCode.BadRequest, "title" },
        { "title over 100", $$"""{"shortcut":"/ok","title":"{{new string('t', 101)}}","text":"t"}""", HttpStatusCode.BadRequest, "title" },
        { "no text", """{"shortcut":"/ok","title":"t"}""", HttpStatusCode.BadRequest, "text" },
        { "text over WhatsApp's 4,096", $$"""{"shortcut":"/ok","title":"t","text":"{{new string('x', 4097)}}"}""", HttpStatusCode.BadRequest, "text" },
        { "an unknown variable", """{"shortcut":"/ok","title":"t","text":"Your order {{order_id}} left."}""", HttpStatusCode.BadRequest, "text" },
        { "language not a code", """{"shortcut":"/ok","title":"t","text":"t","language":"Swedish"}""", HttpStatusCode.BadRequest, "language" },
        { "malformed JSON", """{"shortcut": """, HttpStatusCode.BadRequest, null },
        { "oversized body", $$"""{"shortcut":"/ok","title":"t","text":"{{new string('x', 300_000)}}"}""", HttpStatusCode.RequestEntityTooLarge, null },
    };

    [Theory]
    [MemberData(nameof(BadResponses))]
    public async Task ABadResponseIsRefusedNamingTheFieldAndNothingChanges(string why, string json, HttpStatusCode status, string? field)
    {
        var existing = await CreateAsync(Unique("keep"));
        var rows = await StoredRowsAsync();

        await AssertRefusedAsync(await Admin.PostAsync("/api/canned-responses", Json(json)), status, field);
        await AssertRefusedAsync(await Admin.PutAsync($"/api/canned-responses/{existing.Id}", Json(json)), status, field);

        Assert.True(rows == await StoredRowsAsync(), why);
        Assert.Equal(existing, await app.Agent.GetFromJsonAsync<CannedResponse>($"/api/canned-responses/{existing.Id}", TestJson.Options));
    }

    [Theory]
    [InlineData("prefix=/a!b", "prefix")]
    [InlineData("prefix=-x", "prefix")]
    [InlineData("language=english", "language")]
    [InlineData("search=%20", "search")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=201", "pageSize")]
    [InlineData("continuationToken=%25%25", "continuationToken")]
    [InlineData("continuationToken=bm90IGEgc2hvcnRjdXQ", "continuationToken")]
    public async Task ABadSearchIsRefusedNamingTheParameter(string query, string field) =>
        await AssertRefusedAsync(await app.Agent.GetAsync("/api/canned-responses?" + query), HttpStatusCode.BadRequest, field);

    [Fact]
    public async Task AgentsReadButOnlyAdminsWrite()
    {
        var response = await CreateAsync(Unique("roles"));
        var rows = await StoredRowsAsync();
        var body = """{"shortcut":"/by-agent","title":"t","text":"t"}""";

        await AssertRefusedAsync(await app.Agent.PostAsync("/api/canned-responses", Json(body)), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await app.Agent.PutAsync($"/api/canned-responses/{response.Id}", Json(body)), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await app.Agent.DeleteAsync($"/api/canned-responses/{response.Id}"), HttpStatusCode.Forbidden);
        foreach (var (client, status) in new[] { (app.Sending.Api.Client(null), HttpStatusCode.Unauthorized), (app.Orders, HttpStatusCode.Forbidden), (app.Sending.Api.Operator(), HttpStatusCode.Forbidden) })
        {
            await AssertRefusedAsync(await client.PostAsync("/api/canned-responses", Json(body)), status);
            await AssertRefusedAsync(await client.GetAsync("/api/canned-responses"), status);
            await AssertRefusedAsync(await client.GetAsync($"/api/canned-responses/{response.Id}"), status);
            await AssertRefusedAsync(await client.PutAsync($"/api/canned-responses/{response.Id}", Json(body)), status);
            await AssertRefusedAsync(await client.DeleteAsync($"/api/canned-responses/{response.Id}"), status);
        }
        Assert.Equal(rows, await StoredRowsAsync());
        Assert.Equal(response, await app.Agent.GetFromJsonAsync<CannedResponse>($"/api/canned-responses/{response.Id}", TestJson.Options));
    }

    [Fact]
    public async Task AnotherTenantsResponsesAreNotFoundAndNotListed()
    {
        var response = await CreateAsync(Unique("private"), "Only Meta Shop's agents see this");
        var sandbox = app.Sending.SandboxAdmin;
        var sandboxRows = await StoredRowsAsync("sb");

        await AssertRefusedAsync(await sandbox.GetAsync($"/api/canned-responses/{response.Id}"), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.PutAsJsonAsync($"/api/canned-responses/{response.Id}", new { shortcut = "/stolen", title = "t", text = "t" }), HttpStatusCode.NotFound);
        await AssertRefusedAsync(await sandbox.DeleteAsync($"/api/canned-responses/{response.Id}"), HttpStatusCode.NotFound);
        Assert.DoesNotContain((await ListAsync("search=Only Meta Shop", sandbox)).Items, r => r.Id == response.Id);
        await AssertRefusedAsync(await Admin.GetAsync("/api/canned-responses/cr-not-an-id"), HttpStatusCode.NotFound);

        Assert.Equal(sandboxRows, await StoredRowsAsync("sb"));
        Assert.Equal(response, await app.Agent.GetFromJsonAsync<CannedResponse>($"/api/canned-responses/{response.Id}", TestJson.Options));
    }
}
