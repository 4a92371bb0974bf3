using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Tenants;

/// <summary><c>PUT /api/tenant/auto-archive</c>: off by default, bounded, for the key's own tenant's admin only.</summary>
public sealed class AutoArchiveSettingsEndpointsTests : IAsyncLifetime
{
    private readonly TenantApiFixture _api = new();
    private HttpClient _admin = null!;
    private HttpClient _otherAdmin = null!;

    public async Task InitializeAsync()
    {
        _admin = _api.Client(await _api.NewTenantKeyAsync("acme"));
        _otherAdmin = _api.Client(await _api.NewTenantKeyAsync("globex"));
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<TimeSpan?> SettingAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<CurrentTenant>("/api/tenant", TestJson.Options))!.AutoArchiveAfter;

    [Fact]
    public async Task ItIsOffByDefaultAndAnAdminTurnsItOnAndOffForTheirOwnTenantOnly()
    {
        Assert.Null(await SettingAsync(_admin));

        var on = await _admin.PutAsync("/api/tenant/auto-archive", Json("""{"after":"7.00:00:00"}"""));
        Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.Equal(TimeSpan.FromDays(7), (await on.Content.ReadFromJsonAsync<AutoArchiveSettings>(TestJson.Options))!.After);
        Assert.Equal(TimeSpan.FromDays(7), await SettingAsync(_admin));
        Assert.Null(await SettingAsync(_otherAdmin));

        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsync("/api/tenant/auto-archive", Json("""{"after":null}"""))).StatusCode);
        Assert.Null(await SettingAsync(_admin));
    }

    [Theory]
    [InlineData("""{"after":"00:59:59"}""")]
    [InlineData("""{"after":"366.00:00:00"}""")]
    [InlineData("""{"after":"-1.00:00:00"}""")]
    [InlineData("""{"after":"01:00:00.5"}""")]
    public async Task AnIdleTimeOutOfBoundsIsRefusedNamingTheFieldAndNothingChanges(string body)
    {
        await _admin.PutAsync("/api/tenant/auto-archive", Json("""{"after":"2.00:00:00"}"""));

        var response = await _admin.PutAsync("/api/tenant/auto-archive", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["after"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(TimeSpan.FromDays(2), await SettingAsync(_admin));
    }

    [Fact]
    public async Task AMalformedBodyIsA400Problem()
    {
        var response = await _admin.PutAsync("/api/tenant/auto-archive", Json("""{"after":"a week"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Null(await SettingAsync(_admin));
    }

    [Fact]
    public async Task OnlyATenantAdminMayChangeIt()
    {
        var agent = _api.Client(await _api.NewTenantKeyAsync("agents", ApiKeyRole.Agent));

        var asAgent = await agent.PutAsync("/api/tenant/auto-archive", Json("""{"after":"7.00:00:00"}"""));
        var anonymous = await _api.Client(null).PutAsync("/api/tenant/auto-archive", Json("""{"after":"7.00:00:00"}"""));

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized), (asAgent.StatusCode, anonymous.StatusCode));
        Assert.Equal("application/problem+json", asAgent.Content.Headers.ContentType!.MediaType);
        Assert.Null(await SettingAsync(agent));
    }
}
