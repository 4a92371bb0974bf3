using Functions.Tests.TestSupport;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Functions.Tenants;

namespace Functions.Tests.Tenants;

public sealed class ApiKeyEndpointsTests : IAsyncLifetime
{
    private readonly TenantApiFixture _api = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task ATenantAdminCreatesAKeyShownOnceThenListedByPrefixOnly()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("shop"));
        var created = await admin.PostAsJsonAsync("/api/keys", new { role = "agent" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!;
        Assert.StartsWith("wab_shop.", key.Key);
        Assert.Equal(ApiKeyRole.Agent, key.Info.Role);

        var listed = await admin.GetStringAsync("/api/keys");
        Assert.Contains(key.Info.KeyId, listed);
        Assert.DoesNotContain(key.Key.Split('.')[2], listed);
        var keys = await admin.GetFromJsonAsync<List<ApiKeyInfo>>("/api/keys", TestJson.Options);
        Assert.Equal(2, keys!.Count);

        var me = await _api.Client(key.Key).GetFromJsonAsync<CurrentTenant>("/api/tenant", TestJson.Options);
        Assert.Equal("agent", me!.Role);
    }

    [Fact]
    public async Task ARevokedKeyStopsWorkingAndRevokingAgainIsFine()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("rev"));
        var key = (await (await admin.PostAsJsonAsync("/api/keys", new { role = "orders" })).Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!;
        Assert.Equal(HttpStatusCode.OK, (await _api.Client(key.Key).GetAsync("/api/tenant")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/keys/{key.Info.KeyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(key.Key).GetAsync("/api/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/keys/{key.Info.KeyId}")).StatusCode);
        var listed = (await admin.GetFromJsonAsync<List<ApiKeyInfo>>("/api/keys", TestJson.Options))!.Single(k => k.KeyId == key.Info.KeyId);
        Assert.NotNull(listed.RevokedOn);
    }

    [Fact]
    public async Task AnotherTenantsKeysAreInvisibleAndCannotBeRevoked()
    {
        var mine = _api.Client(await _api.NewTenantKeyAsync("mine"));
        var theirsKey = await _api.NewTenantKeyAsync("theirs", ApiKeyRole.Agent);
        var theirs = (await _api.Operator().PostAsJsonAsync("/api/operator/tenants/theirs/keys", new { role = "agent" }));
        var theirInfo = (await theirs.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!;

        var revoke = await mine.DeleteAsync($"/api/keys/{theirInfo.Info.KeyId}");
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Equal("application/problem+json", revoke.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await _api.Client(theirInfo.Key).GetAsync("/api/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _api.Client(theirsKey).GetAsync("/api/tenant")).StatusCode);
        Assert.DoesNotContain(theirInfo.Info.KeyId, await mine.GetStringAsync("/api/keys"));
        Assert.Equal(HttpStatusCode.NotFound, (await mine.DeleteAsync("/api/keys/not-a-key-id")).StatusCode);
    }

    [Fact]
    public async Task OnlyATenantAdminManagesKeys()
    {
        var agent = _api.Client(await _api.NewTenantKeyAsync("roles", ApiKeyRole.Agent));
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync("/api/keys", new { role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.DeleteAsync("/api/keys/0123456789abcdef")).StatusCode);
        // The operator has no tenant: tenant routes are not theirs.
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Operator().GetAsync("/api/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Operator().GetAsync("/api/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).GetAsync("/api/keys")).StatusCode);
    }

    [Fact]
    public async Task BadKeyRequestsGetA4xxProblemAndCreateNothing()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("bad"));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/keys", new { role = "owner" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/keys", new { role = "admin,agent" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/keys", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/keys", new StringContent("{role:", Encoding.UTF8, "application/json"))).StatusCode);
        var oversized = await admin.PostAsync("/api/keys", new StringContent("{\"role\":\"" + new string('a', 300_000) + "\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Single((await admin.GetFromJsonAsync<List<ApiKeyInfo>>("/api/keys", TestJson.Options))!);
    }
}
