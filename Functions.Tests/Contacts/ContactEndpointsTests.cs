using Functions.Tests.TestSupport;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Contacts;
using Functions.Tenants;
using Functions.Tests.Tenants;

namespace Functions.Tests.Contacts;

public sealed class ContactEndpointsTests : IAsyncLifetime
{
    private readonly TenantApiFixture _api = new();
    private HttpClient _agent = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Swedish Shop", slug = "se-shop", defaultCountryCode = "46" })).EnsureSuccessStatusCode();
        _agent = await ClientAsync("se-shop", "agent");
        _admin = await ClientAsync("se-shop", "admin");
    }

    private async Task<HttpClient> ClientAsync(string tenant, string role)
    {
        var key = await (await _api.Operator().PostAsJsonAsync($"/api/operator/tenants/{tenant}/keys", new { role })).Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options);
        return _api.Client(key!.Key);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task ANationalNumberBecomesE164WithTheTenantsCountryAndUpsertsMergeAttributes()
    {
        var created = await _agent.PostAsJsonAsync("/api/contacts", new { phone = "070-123 45 67", name = "Astrid", attributes = new { tier = "gold", city = "Malmö" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var contact = (await created.Content.ReadFromJsonAsync<Contact>(TestJson.Options))!;
        Assert.Equal("+46701234567", contact.Phone);
        Assert.Equal(ConsentState.Unknown, contact.Marketing);

        var again = await _agent.PostAsJsonAsync("/api/contacts", new { phone = "+46 70 123 45 67", attributes = new Dictionary<string, string?> { ["tier"] = null, ["vip"] = "yes" } });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var merged = (await again.Content.ReadFromJsonAsync<Contact>(TestJson.Options))!;
        Assert.Equal("Astrid", merged.Name);
        Assert.Equal(new Dictionary<string, string> { ["city"] = "Malmö", ["vip"] = "yes" }, merged.Attributes);

        var read = await _agent.GetFromJsonAsync<Contact>("/api/contacts/+46701234567", TestJson.Options);
        Assert.Equal("Astrid", read!.Name);
        Assert.Equal("Astrid", (await _agent.GetFromJsonAsync<Contact>("/api/contacts/0701234567", TestJson.Options))!.Name);
    }

    [Fact]
    public async Task BadContactsAreRefusedFieldByFieldAndNothingIsStored()
    {
        var response = await _agent.PostAsJsonAsync("/api/contacts", new
        {
            phone = "call me maybe",
            name = new string('n', 201),
            language = "Swedish",
            attributes = new Dictionary<string, string> { ["bad key!"] = "x", ["long"] = new string('v', 1025) },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Contains("letters", errors.GetProperty("phone")[0].GetString());
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("language", out _));
        Assert.True(errors.TryGetProperty("attributes.bad key!", out _));
        Assert.True(errors.TryGetProperty("attributes.long", out _));

        var tooMany = await _agent.PostAsJsonAsync("/api/contacts", new { phone = "+46709999999", attributes = Enumerable.Range(0, 51).ToDictionary(i => $"a{i}", i => "v") });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _agent.GetAsync("/api/contacts/+46709999999")).StatusCode);
        Assert.Empty((await _agent.GetFromJsonAsync<ContactPage>("/api/contacts", TestJson.Options))!.Items);
    }

    [Fact]
    public async Task ConsentChangesAreKeptWithTheirEvidenceNewestFirst()
    {
        var optIn = await _agent.PostAsJsonAsync("/api/contacts/0701112233/consent", new { purpose = "marketing", state = "opted-in", evidence = "signed up at checkout" });
        Assert.Equal(HttpStatusCode.OK, optIn.StatusCode);
        Assert.Equal(ConsentState.OptedIn, (await optIn.Content.ReadFromJsonAsync<Contact>(TestJson.Options))!.Marketing);
        (await _agent.PostAsJsonAsync("/api/contacts/0701112233/consent", new { purpose = "marketing", state = "opted-out" })).EnsureSuccessStatusCode();

        var contact = await _agent.GetFromJsonAsync<Contact>("/api/contacts/+46701112233", TestJson.Options);
        Assert.Equal(ConsentState.OptedOut, contact!.Marketing);
        Assert.Equal(ConsentState.Unknown, contact.Utility);
        Assert.False(contact.MayReceive(ConsentPurpose.Marketing));
        Assert.True(contact.MayReceive(ConsentPurpose.Utility));

        var history = (await _agent.GetFromJsonAsync<List<ConsentRecord>>("/api/contacts/+46701112233/consent", TestJson.Options))!;
        Assert.Equal([ConsentState.OptedOut, ConsentState.OptedIn], history.Select(h => h.State));
        Assert.All(history, h => Assert.Equal(("api", ConsentPurpose.Marketing), (h.Source, h.Purpose)));
        Assert.Contains("signed up at checkout", history[1].Evidence);
        Assert.StartsWith("key ", history[1].Evidence);
    }

    [Theory]
    [InlineData("advertising", "opted-in", "purpose")]
    [InlineData("0", "opted-in", "purpose")]
    [InlineData("marketing", "maybe", "state")]
    public async Task BadConsentIsRefusedAndNotRecorded(string purpose, string state, string field)
    {
        var response = await _agent.PostAsJsonAsync("/api/contacts/+46702223344/consent", new { purpose, state });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _));
        Assert.Empty((await _agent.GetFromJsonAsync<List<ConsentRecord>>("/api/contacts/+46702223344/consent", TestJson.Options))!);
        Assert.Equal(HttpStatusCode.NotFound, (await _agent.GetAsync("/api/contacts/+46702223344")).StatusCode);
    }

    [Fact]
    public async Task ConcurrentConsentChangesAreAllRecorded()
    {
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => _agent.PostAsJsonAsync("/api/contacts/+46703334455/consent",
            new { purpose = i % 2 == 0 ? "marketing" : "utility", state = "opted-in", evidence = $"#{i}" })));
        var history = await _agent.GetFromJsonAsync<List<ConsentRecord>>("/api/contacts/+46703334455/consent", TestJson.Options);
        Assert.Equal(10, history!.Count);
        var contact = await _agent.GetFromJsonAsync<Contact>("/api/contacts/+46703334455", TestJson.Options);
        Assert.Equal((ConsentState.OptedIn, ConsentState.OptedIn), (contact!.Marketing, contact.Utility));
    }

    [Fact]
    public async Task ErasingKeepsAnOptOutButForgetsEverythingElse()
    {
        await _agent.PostAsJsonAsync("/api/contacts", new { phone = "+46704445566", name = "Bo", attributes = new { note = "x" } });
        await _agent.PostAsJsonAsync("/api/contacts/+46704445566/consent", new { purpose = "utility", state = "opted-out" });
        Assert.Equal(HttpStatusCode.Forbidden, (await _agent.DeleteAsync("/api/contacts/+46704445566")).StatusCode); // erasure is for admins
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/contacts/+46704445566")).StatusCode);
        var kept = await _agent.GetFromJsonAsync<Contact>("/api/contacts/+46704445566", TestJson.Options);
        Assert.Null(kept!.Name);
        Assert.Empty(kept.Attributes);
        Assert.Equal(ConsentState.OptedOut, kept.Utility);
        Assert.False(kept.MayReceive(ConsentPurpose.Utility));

        await _agent.PostAsJsonAsync("/api/contacts", new { phone = "+46705556677", name = "Cy" });
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/contacts/+46705556677")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _agent.GetAsync("/api/contacts/+46705556677")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync("/api/contacts/+46705556677")).StatusCode);
        // Changing an erased contact does not bring it back.
        Assert.Equal(HttpStatusCode.NotFound, (await _agent.PatchAsJsonAsync("/api/contacts/+46705556677", new { name = "Back?" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _agent.GetAsync("/api/contacts/+46705556677")).StatusCode);
    }

    [Fact]
    public async Task AnotherTenantSeesNoneOfIt()
    {
        await _agent.PostAsJsonAsync("/api/contacts", new { phone = "+46706667788", name = "Private" });
        await _agent.PostAsJsonAsync("/api/contacts/+46706667788/consent", new { purpose = "marketing", state = "opted-in" });
        var other = _api.Client(await _api.NewTenantKeyAsync("other-shop", ApiKeyRole.Admin));

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/api/contacts/+46706667788")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PatchAsJsonAsync("/api/contacts/+46706667788", new { name = "Stolen" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync("/api/contacts/+46706667788")).StatusCode);
        Assert.Empty((await other.GetFromJsonAsync<List<ConsentRecord>>("/api/contacts/+46706667788/consent", TestJson.Options))!);
        Assert.Empty((await other.GetFromJsonAsync<ContactPage>("/api/contacts", TestJson.Options))!.Items);
        Assert.Equal("Private", (await _agent.GetFromJsonAsync<Contact>("/api/contacts/+46706667788", TestJson.Options))!.Name);
    }

    [Fact]
    public async Task OnlyAdminsAndAgentsUseContacts()
    {
        var orders = _api.Client(await _api.NewTenantKeyAsync("orders-only", ApiKeyRole.Orders));
        Assert.Equal(HttpStatusCode.Forbidden, (await orders.GetAsync("/api/contacts")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await orders.PostAsJsonAsync("/api/contacts", new { phone = "+46700000001" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).GetAsync("/api/contacts/+46700000001")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Operator().GetAsync("/api/contacts")).StatusCode);
    }

    [Fact]
    public async Task ListingPagesThroughEveryContactOnce()
    {
        for (var i = 0; i < 7; i++) await _agent.PostAsJsonAsync("/api/contacts", new { phone = $"+4671000000{i}" });
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await _agent.GetFromJsonAsync<ContactPage>("/api/contacts?pageSize=3" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)), TestJson.Options);
            Assert.True(page!.Items.Count <= 3);
            seen.AddRange(page.Items.Select(c => c.Phone));
            token = page.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"+4671000000{i}"), seen);

        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.GetAsync("/api/contacts?pageSize=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.GetAsync("/api/contacts?pageSize=many")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.GetAsync("/api/contacts?continuationToken=%%%not-base64")).StatusCode);
    }

    [Fact]
    public async Task MalformedAndOversizedBodiesGetA4xxProblem()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.PostAsync("/api/contacts", new StringContent("{\"phone\":", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.PostAsync("/api/contacts/+46700000002/consent", new StringContent("[]", Encoding.UTF8, "application/json"))).StatusCode);
        var huge = new StringContent("{\"phone\":\"+46700000003\",\"name\":\"" + new string('x', 300_000) + "\"}", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await _agent.PostAsync("/api/contacts", huge)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _agent.PatchAsJsonAsync("/api/contacts/+46700000003", new { phone = "+46700000004" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _agent.GetAsync("/api/contacts/+46700000003")).StatusCode);
    }

    [Fact]
    public async Task AttributeLimitsHoldForWhatIsStoredNotJustEachRequest()
    {
        for (var batch = 0; batch < 2; batch++)
        {
            var ok = await _agent.PostAsJsonAsync("/api/contacts", new { phone = "+46707778899", attributes = Enumerable.Range(0, 20).ToDictionary(i => $"b{batch}k{i}", _ => "v") });
            Assert.True(ok.IsSuccessStatusCode);
        }
        var third = await _agent.PostAsJsonAsync("/api/contacts", new { phone = "+46707778899", attributes = Enumerable.Range(0, 20).ToDictionary(i => $"b2k{i}", _ => "v") });
        Assert.Equal(HttpStatusCode.BadRequest, third.StatusCode);
        Assert.Equal(40, (await _agent.GetFromJsonAsync<Contact>("/api/contacts/+46707778899", TestJson.Options))!.Attributes.Count);

        var tooBig = await _agent.PostAsJsonAsync("/api/contacts", new { phone = "+46707778800", attributes = Enumerable.Range(0, 40).ToDictionary(i => $"k{i}", _ => new string('ö', 1000)) });
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _agent.GetAsync("/api/contacts/+46707778800")).StatusCode);
    }

    [Fact]
    public async Task CommaListsAreNotAPurpose()
    {
        var response = await _agent.PostAsJsonAsync("/api/contacts/+46707778811/consent", new { purpose = "marketing,utility", state = "opted-in" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AnInternationalNumberWithoutItsPlusIsRefusedRatherThanGuessed()
    {
        var response = await _agent.PostAsJsonAsync("/api/contacts", new { phone = "46701234567" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("+46701234567", await response.Content.ReadAsStringAsync());
    }
}
