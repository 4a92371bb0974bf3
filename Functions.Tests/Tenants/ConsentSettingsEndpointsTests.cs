using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Functions.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Tenants;

public sealed class ConsentSettingsEndpointsTests : IAsyncLifetime
{
    private readonly TenantApiFixture _api = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static readonly object SwedishConsent = new
    {
        optOutKeywords = new[] { "Nej tack", "Avbryt" },
        optInKeywords = new[] { "Ja tack" },
        optOutReplies = new Dictionary<string, string> { ["sv"] = "Du får inga fler erbjudanden från Acme. Svara JA TACK för att få dem igen." },
        optInReplies = new Dictionary<string, string> { ["sv"] = "Välkommen tillbaka!" },
    };

    private static ConsentSettings Swedish => new(
        ["Nej tack", "Avbryt"], ["Ja tack"],
        new Dictionary<string, string> { ["sv"] = "Du får inga fler erbjudanden från Acme. Svara JA TACK för att få dem igen." },
        new Dictionary<string, string> { ["sv"] = "Välkommen tillbaka!" });

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string[]> ProblemFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
    }

    private async Task<ConsentSettings> ConsentOfAsync(string slug) =>
        (await _api.Operator().GetFromJsonAsync<TenantView>($"/api/operator/tenants/{slug}", TestJson.Options))!.Consent;

    [Fact]
    public async Task TheOperatorSetsConsentOnCreationAndEveryViewShowsIt()
    {
        var created = await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Acme", slug = "acme", consent = SwedishConsent });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(Swedish, (await created.Content.ReadFromJsonAsync<TenantView>(TestJson.Options))!.Consent);

        Assert.Equal(Swedish, await ConsentOfAsync("acme"));
        var listed = await _api.Operator().GetFromJsonAsync<List<TenantView>>("/api/operator/tenants", TestJson.Options);
        Assert.Equal(Swedish, listed!.Single(t => t.Id == "acme").Consent);
        var key = await _api.Operator().PostAsJsonAsync("/api/operator/tenants/acme/keys", new { role = "agent" });
        var agent = (await key.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!.Key;
        Assert.Equal(Swedish, (await _api.Client(agent).GetFromJsonAsync<CurrentTenant>("/api/tenant", TestJson.Options))!.Consent);

        // The wire names, for API users.
        var raw = JsonNode.Parse(await _api.Operator().GetStringAsync("/api/operator/tenants/acme"))!["consent"]!;
        Assert.Equal("Nej tack", (string?)raw["optOutKeywords"]![0]);
        Assert.Equal("Välkommen tillbaka!", (string?)raw["optInReplies"]!["sv"]);
        Assert.True((bool)raw["sendConfirmation"]!);
    }

    [Fact]
    public async Task ATenantCreatedWithoutConsentSettingsHasTheDefaults()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Plain", slug = "plain" })).EnsureSuccessStatusCode();
        Assert.Equal(ConsentSettings.Default, await ConsentOfAsync("plain"));
    }

    [Fact]
    public async Task TheOperatorsPatchChangesOnlyTheConsentFieldsGiven()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Acme", slug = "patched", consent = SwedishConsent })).EnsureSuccessStatusCode();

        var off = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/patched", new { consent = new { sendConfirmation = false } });
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Equal(Swedish with { SendConfirmation = false }, (await off.Content.ReadFromJsonAsync<TenantView>(TestJson.Options))!.Consent);

        var renamed = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/patched", new { name = "Acme AB" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(Swedish with { SendConfirmation = false }, await ConsentOfAsync("patched"));

        var cleared = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/patched", new { consent = new { optOutKeywords = Array.Empty<string>(), optOutReplies = new { } } });
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(Swedish with { SendConfirmation = false, OptOutKeywords = [], OptOutReplies = new Dictionary<string, string>() }, await ConsentOfAsync("patched"));
    }

    [Fact]
    public async Task ABadConsentOnCreationIsNamedAndNothingIsCreated()
    {
        var response = await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "Acme",
            slug = "refused",
            consent = new { optInKeywords = new[] { "STOP" }, optOutReplies = new Dictionary<string, string> { ["english"] = "Bye" } },
        });
        Assert.Equal(["consent.optInKeywords", "consent.optOutReplies"], (await ProblemFieldsAsync(response)).Order());
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Operator().GetAsync("/api/operator/tenants/refused")).StatusCode);
    }

    [Fact]
    public async Task ABadConsentPatchIsNamedAndChangesNothing()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Acme", slug = "kept", consent = SwedishConsent })).EnsureSuccessStatusCode();
        var before = await _api.Operator().GetStringAsync("/api/operator/tenants/kept");

        // "ja tack" is already an opt-in word: checked against what is stored.
        var clash = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/kept", new { name = "Renamed", consent = new { optOutKeywords = new[] { "JA TACK!" } } });
        Assert.Equal(["consent.optInKeywords"], await ProblemFieldsAsync(clash));
        var badReply = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/kept", new { consent = new { optInReplies = new Dictionary<string, string> { ["sv"] = new('x', 1001) } } });
        Assert.Equal(["consent.optInReplies"], await ProblemFieldsAsync(badReply));

        Assert.Equal(before, await _api.Operator().GetStringAsync("/api/operator/tenants/kept"));
    }

    [Fact]
    public async Task ATenantAdminReplacesItsOwnConsentSettings()
    {
        var admin = await _api.NewTenantKeyAsync("own");
        var response = await _api.Client(admin).PutAsJsonAsync("/api/tenant/consent", SwedishConsent);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Swedish, await response.Content.ReadFromJsonAsync<ConsentSettings>(TestJson.Options));
        Assert.Equal(Swedish, await ConsentOfAsync("own"));

        // A replacement: what is left out goes back to its default.
        var again = await _api.Client(admin).PutAsJsonAsync("/api/tenant/consent", new { sendConfirmation = false });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(ConsentSettings.Default with { SendConfirmation = false }, await ConsentOfAsync("own"));
    }

    [Fact]
    public async Task OnlyATenantAdminMayChangeConsentAndOnlyForItsOwnTenant()
    {
        var admin = await _api.NewTenantKeyAsync("first");
        var other = await _api.NewTenantKeyAsync("second");
        (await _api.Client(other).PutAsJsonAsync("/api/tenant/consent", SwedishConsent)).EnsureSuccessStatusCode();
        var agent = await _api.Operator().PostAsJsonAsync("/api/operator/tenants/first/keys", new { role = "agent" });
        var agentKey = (await agent.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!.Key;

        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).PutAsJsonAsync("/api/tenant/consent", new { sendConfirmation = false })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Client(agentKey).PutAsJsonAsync("/api/tenant/consent", new { sendConfirmation = false })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Operator().PutAsJsonAsync("/api/tenant/consent", new { sendConfirmation = false })).StatusCode);
        // A tenant's admin key reaches neither another tenant's settings nor the operator's API.
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Client(admin).PatchAsJsonAsync("/api/operator/tenants/second", new { consent = new { sendConfirmation = false } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _api.Client(admin).PutAsJsonAsync("/api/tenant/consent", new { optOutKeywords = new[] { "sluta" } })).StatusCode);

        Assert.Equal(Swedish, await ConsentOfAsync("second"));
        Assert.Equal(ConsentSettings.Default with { OptOutKeywords = ["sluta"] }, await ConsentOfAsync("first"));
    }

    public static TheoryData<string, string> BadSettings => new()
    {
        { """{"optOutKeywords":["  "]}""", "optOutKeywords" },
        { """{"optOutKeywords":[null]}""", "optOutKeywords" },
        { $$"""{"optOutKeywords":["{{new string('x', 41)}}"]}""", "optOutKeywords" },
        { """{"optOutKeywords":["!!!"]}""", "optOutKeywords" },
        { $$"""{"optOutKeywords":[{{string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"word{i}\""))}}]}""", "optOutKeywords" },
        { """{"optOutKeywords":["Start!"]}""", "optOutKeywords" },      // would take START away from opting back in
        { """{"optInKeywords":["Stopp"]}""", "optInKeywords" },         // a built-in opt-out word can never opt in
        { """{"optInKeywords":["ARRÊT"]}""", "optInKeywords" },         // ... however it is written
        { """{"optOutKeywords":["Nej tack"],"optInKeywords":["nej  TACK!"]}""", "optInKeywords" },
        { """{"optOutReplies":{"english":"Bye"}}""", "optOutReplies" },
        { """{"optOutReplies":{"en_us":"Bye"}}""", "optOutReplies" },
        { """{"optOutReplies":{"en":"  "}}""", "optOutReplies" },
        { """{"optInReplies":{"en":null}}""", "optInReplies" },
        { "{\"optInReplies\":{\"en\":\"" + new string('x', 1001) + "\"}}", "optInReplies" },
        { """{"optInReplies":{"en":"Hi\u0007"}}""", "optInReplies" },
        { "{\"optOutReplies\":{" + Replies("x", "da") + "}}", "optOutReplies" },
        // Each reply is allowed, but quotes take twice the room in JSON: together they do not fit the tenant's row.
        { "{\"optOutReplies\":{" + Replies(new string('"', 1000)) + "},\"optInReplies\":{" + Replies(new string('"', 1000)) + "}}", "consent" },
    };

    /// <summary>The text in ten languages (and any more given), as JSON object members.</summary>
    private static string Replies(string text, params string[] more) => string.Join(",",
        new[] { "en", "sv", "de", "es", "pt", "fr", "it", "nl", "zh", "fi" }.Concat(more).Select(l => $"\"{l}\":{JsonSerializer.Serialize(text)}"));

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task EachBadSettingIsNamedAndChangesNothing(string body, string field)
    {
        var admin = await _api.NewTenantKeyAsync("bad-" + Guid.NewGuid().ToString("N")[..12]);
        (await _api.Client(admin).PutAsJsonAsync("/api/tenant/consent", SwedishConsent)).EnsureSuccessStatusCode();

        var response = await _api.Client(admin).PutAsync("/api/tenant/consent", Json(body));

        Assert.Equal([field], await ProblemFieldsAsync(response));
        Assert.Equal(Swedish, (await _api.Client(admin).GetFromJsonAsync<CurrentTenant>("/api/tenant", TestJson.Options))!.Consent);
    }

    [Fact]
    public async Task AMalformedBodyIsA400Problem()
    {
        var admin = await _api.NewTenantKeyAsync("malformed");
        var response = await _api.Client(admin).PutAsync("/api/tenant/consent", Json("""{"optOutKeywords":"stop"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(ConsentSettings.Default, await ConsentOfAsync("malformed"));
    }
}
