using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Events;
using Functions.Tenants;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Events;

/// <summary>
/// The subscriptions API with production settings (https only, public addresses only): what it
/// stores and shows, what it refuses (naming the field, storing nothing), who may call it, and
/// that one tenant can neither see nor touch another's subscriptions.
/// </summary>
public sealed class SubscriptionEndpointsTests(SharedTenantApi shared) : IClassFixture<SharedTenantApi>, IAsyncLifetime
{
    private const string Url = "https://hooks.example.com/whatsapp";
    private readonly TenantApiFixture _api = shared.Api;
    private HttpClient _admin = null!;
    private HttpClient _otherAdmin = null!;
    private HttpClient _agent = null!;

    /// <summary>Two new tenants per test (the app is shared by the class), so tests see only their own subscriptions.</summary>
    public async Task InitializeAsync()
    {
        var slug = "t" + Guid.NewGuid().ToString("N")[..12];
        _admin = _api.Client(await _api.NewTenantKeyAsync(slug));
        _otherAdmin = _api.Client(await _api.NewTenantKeyAsync(slug + "-other"));
        var agent = await _api.Operator().PostAsJsonAsync($"/api/operator/tenants/{slug}/keys", new { role = "agent" });
        _agent = _api.Client((await agent.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!.Key);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<SubscriptionWithSecret> CreateAsync(HttpClient? client = null, object? body = null)
    {
        var response = await (client ?? _admin).PostAsJsonAsync("/api/events/subscriptions", body ?? new { url = Url });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SubscriptionWithSecret>(TestJson.Options))!;
    }

    private async Task<IReadOnlyList<SubscriptionView>> ListAsync(HttpClient? client = null) =>
        (await (client ?? _admin).GetFromJsonAsync<List<SubscriptionView>>("/api/events/subscriptions", TestJson.Options))!;

    private static async Task<string[]> ProblemFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
    }

    [Fact]
    public async Task ANewSubscriptionShowsItsSecretOnceAndNeverAgain()
    {
        var created = await CreateAsync(body: new { url = Url, types = new[] { "message.received", "window.closed" }, description = "CRM" });

        Assert.Matches("^whsec_[0-9a-f]{64}$", created.Secret);
        Assert.Equal((Url, true, "CRM"), (created.Subscription.Url, created.Subscription.Enabled, created.Subscription.Description));
        Assert.Equal(["message.received", "window.closed"], created.Subscription.Types);
        Assert.Equal(created.Secret[..10] + "…", created.Subscription.SecretPrefix);
        var shown = await _admin.GetStringAsync($"/api/events/subscriptions/{created.Subscription.Id}");
        var listed = await _admin.GetStringAsync("/api/events/subscriptions");
        Assert.DoesNotContain(created.Secret, shown);
        Assert.DoesNotContain(created.Secret, listed);
        Assert.Equal(created.Subscription.Id, Assert.Single(await ListAsync()).Id);
    }

    [Fact]
    public async Task LeavingOutTheTypesOrGivingAStarMeansAll()
    {
        Assert.Equal(["*"], (await CreateAsync()).Subscription.Types);
        Assert.Equal(["*"], (await CreateAsync(body: new { url = Url, types = new[] { "*" } })).Subscription.Types);
    }

    [Theory]
    [InlineData("""{"url":"hooks.example.com/x"}""", "url")]
    [InlineData("""{}""", "url")]
    [InlineData("""{"url":"http://hooks.example.com/x"}""", "url")]
    [InlineData("""{"url":"ftp://hooks.example.com/x"}""", "url")]
    [InlineData("""{"url":"https://localhost/x"}""", "url")]
    [InlineData("""{"url":"https://127.0.0.1:8080/x"}""", "url")]
    [InlineData("""{"url":"https://10.1.2.3/x"}""", "url")]
    [InlineData("""{"url":"https://169.254.169.254/latest/meta-data"}""", "url")]
    [InlineData("""{"url":"https://[::1]/x"}""", "url")]
    [InlineData("""{"url":"https://user:pass@hooks.example.com/x"}""", "url")]
    [InlineData("""{"url":"https://hooks.example.com/x","types":[]}""", "types")]
    [InlineData("""{"url":"https://hooks.example.com/x","types":["message.sent"]}""", "types")]
    [InlineData("""{"url":"https://hooks.example.com/x","types":[null]}""", "types")]
    public async Task AnInvalidSubscriptionIsRefusedNamingTheFieldAndNothingIsStored(string body, string field)
    {
        var response = await _admin.PostAsync("/api/events/subscriptions", Json(body));

        Assert.Equal([field], await ProblemFieldsAsync(response));
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task ATooLongDescriptionAndAMalformedBodyAreRefused()
    {
        Assert.Equal(["description"], await ProblemFieldsAsync(
            await _admin.PostAsJsonAsync("/api/events/subscriptions", new { url = Url, description = new string('x', 201) })));
        var malformed = await _admin.PostAsync("/api/events/subscriptions", Json("""{"url":["https://hooks.example.com"]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType!.MediaType);
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task ATenantHasAtMostTenSubscriptions()
    {
        for (var i = 0; i < EventSubscription.MaxPerTenant; i++) await CreateAsync();

        var refused = await _admin.PostAsJsonAsync("/api/events/subscriptions", new { url = Url });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Equal(EventSubscription.MaxPerTenant, (await ListAsync()).Count);
    }

    [Fact]
    public async Task APatchChangesOnlyTheFieldsGivenAndIsValidatedLikeACreate()
    {
        var created = await CreateAsync(body: new { url = Url, types = new[] { "message.status" }, description = "CRM" });
        var path = $"/api/events/subscriptions/{created.Subscription.Id}";

        var disabled = await _admin.PatchAsync(path, Json("""{"enabled":false}"""));
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        var view = (await disabled.Content.ReadFromJsonAsync<SubscriptionView>(TestJson.Options))!;
        Assert.Equal((Url, false, "CRM", "message.status"), (view.Url, view.Enabled, view.Description, view.Types.Single()));

        Assert.Equal(["url"], await ProblemFieldsAsync(await _admin.PatchAsync(path, Json("""{"url":"https://192.168.1.1/x"}"""))));
        Assert.Equal(["types"], await ProblemFieldsAsync(await _admin.PatchAsync(path, Json("""{"types":["nope"]}"""))));
        Assert.Equal(Url, (await _admin.GetFromJsonAsync<SubscriptionView>(path, TestJson.Options))!.Url);

        var changed = await _admin.PatchAsync(path, Json("""{"url":"https://crm.example.org/in","types":["*"],"description":""}"""));
        view = (await changed.Content.ReadFromJsonAsync<SubscriptionView>(TestJson.Options))!;
        Assert.Equal(("https://crm.example.org/in", false, (string?)null, "*"), (view.Url, view.Enabled, view.Description, view.Types.Single()));
    }

    [Fact]
    public async Task RotatingGivesANewSecretOnceAndDeletingRemovesTheSubscription()
    {
        var created = await CreateAsync();
        var path = $"/api/events/subscriptions/{created.Subscription.Id}";

        var rotated = (await (await _admin.PostAsync(path + "/rotate-secret", null)).Content.ReadFromJsonAsync<SubscriptionWithSecret>(TestJson.Options))!;
        Assert.Matches("^whsec_[0-9a-f]{64}$", rotated.Secret);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.Equal(rotated.Secret[..10] + "…", (await _admin.GetFromJsonAsync<SubscriptionView>(path, TestJson.Options))!.SecretPrefix);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync(path)).StatusCode);
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task TheDeliveryLogRefusesABadPageSizeOrToken()
    {
        var path = $"/api/events/subscriptions/{(await CreateAsync()).Subscription.Id}/deliveries";

        Assert.Equal(["pageSize"], await ProblemFieldsAsync(await _admin.GetAsync(path + "?pageSize=0")));
        Assert.Equal(["pageSize"], await ProblemFieldsAsync(await _admin.GetAsync(path + "?pageSize=101")));
        Assert.Equal(["continuationToken"], await ProblemFieldsAsync(await _admin.GetAsync(path + "?continuationToken=not-ours")));
        Assert.Empty((await _admin.GetFromJsonAsync<DeliveryPage>(path, TestJson.Options))!.Deliveries);
    }

    public static TheoryData<string, string, string?> Routes => new()
    {
        { "POST", "/api/events/subscriptions", """{"url":"https://hooks.example.com/x"}""" },
        { "GET", "/api/events/subscriptions", null },
        { "GET", "/api/events/subscriptions/{id}", null },
        { "PATCH", "/api/events/subscriptions/{id}", """{"enabled":false}""" },
        { "DELETE", "/api/events/subscriptions/{id}", null },
        { "POST", "/api/events/subscriptions/{id}/rotate-secret", null },
        { "GET", "/api/events/subscriptions/{id}/deliveries", null },
        { "POST", "/api/events/subscriptions/{id}/deliveries/evt_00000000000000000000000000000000/redeliver", null },
    };

    private static HttpRequestMessage Request(string method, string route, string id, string? body) =>
        new(new HttpMethod(method), route.Replace("{id}", id, StringComparison.Ordinal)) { Content = body is null ? null : Json(body) };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryRouteIsForTenantAdminsOnly(string method, string route, string? body)
    {
        var created = await CreateAsync();

        var agent = await _agent.SendAsync(Request(method, route, created.Subscription.Id, body));
        var anonymous = await _api.Client(null).SendAsync(Request(method, route, created.Subscription.Id, body));

        Assert.Equal(HttpStatusCode.Forbidden, agent.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", agent.Content.Headers.ContentType!.MediaType);
        var stored = Assert.Single(await ListAsync());
        Assert.Equal((Url, true, created.Subscription.SecretPrefix), (stored.Url, stored.Enabled, stored.SecretPrefix));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task AnotherTenantsSubscriptionIsNotFoundOnEveryRouteAndStaysAsItWas(string method, string route, string? body)
    {
        var theirs = await CreateAsync(_otherAdmin);

        var response = await _admin.SendAsync(Request(method, route, theirs.Subscription.Id, body));

        if (route.Contains("{id}", StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
        else
        {
            Assert.True(response.IsSuccessStatusCode); // the caller's own collection
            Assert.DoesNotContain(theirs.Subscription.Id, await response.Content.ReadAsStringAsync());
        }
        var stored = Assert.Single(await ListAsync(_otherAdmin));
        Assert.Equal((Url, true, theirs.Subscription.SecretPrefix), (stored.Url, stored.Enabled, stored.SecretPrefix));
    }

    [Fact]
    public async Task AnUnknownOrMalformedIdIsNotFound()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/events/subscriptions/sub_000000000000000000000000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/events/subscriptions/'%20or%20''='")).StatusCode);
    }
}

/// <summary>One app for a test class whose tests each make their own tenants.</summary>
public sealed class SharedTenantApi : IAsyncLifetime
{
    public TenantApiFixture Api { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Api.DisposeAsync();
}
