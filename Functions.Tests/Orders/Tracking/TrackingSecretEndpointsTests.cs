using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Hosting;
using Functions.Orders.Tracking;
using Functions.Tenants;
using Functions.Tests.Tenants;

namespace Functions.Tests.Orders.Tracking;

/// <summary>
/// <c>POST /api/orders/tracking/rotate</c>: a tenant admin gives the tenant's tracking links a new
/// secret, optionally retiring the older ones; nobody else can, and bad requests change nothing.
/// </summary>
public sealed class TrackingSecretEndpointsTests(TrackingSecretEndpointsTests.App app) : IClassFixture<TrackingSecretEndpointsTests.App>
{
    private const string Route = "/api/orders/tracking/rotate";
    private readonly TenantApiFixture _api = app.Api;

    /// <summary>One app for the class: every test uses tenants of its own.</summary>
    public sealed class App : IAsyncLifetime
    {
        public TenantApiFixture Api { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Api.DisposeAsync();
    }

    private async Task<string> LinkTokenAsync(string tenantId, string orderId)
    {
        var tenant = await _api.App.Get<TenantDirectory>().FindAsync(tenantId, default);
        return TrackingApp.TokenOf(await _api.App.Get<OrderTracking>().LinkAsync(tenant!, orderId, default));
    }

    private Task<TrackingTokenStatus> StatusOfAsync(string token) =>
        _api.App.Get<OrderTracking>().VerifyAsync(token, default).ContinueWith(t => t.Result.Status, TaskScheduler.Default);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task AnAdminRotatesKeepingOlderLinksThenRetiresThem()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("rot"));
        var first = await LinkTokenAsync("rot", "1042");

        var kept = await admin.PostAsync(Route, Json("{}"));
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal(new RotatedTrackingSecret(2, false), await kept.Content.ReadFromJsonAsync<RotatedTrackingSecret>(TestSupport.TestJson.Options));
        Assert.Equal(TrackingTokenStatus.Valid, await StatusOfAsync(first));
        var second = await LinkTokenAsync("rot", "1042");

        var retired = await admin.PostAsJsonAsync(Route, new { retireOlder = true });
        Assert.Equal(new RotatedTrackingSecret(3, true), await retired.Content.ReadFromJsonAsync<RotatedTrackingSecret>(TestSupport.TestJson.Options));
        Assert.Equal(TrackingTokenStatus.Invalid, await StatusOfAsync(first));
        Assert.Equal(TrackingTokenStatus.Invalid, await StatusOfAsync(second));
        Assert.Equal(TrackingTokenStatus.Valid, await StatusOfAsync(await LinkTokenAsync("rot", "1042")));
    }

    [Fact]
    public async Task AnEmptyBodyRotatesWithoutRetiring()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("empty"));
        var first = await LinkTokenAsync("empty", "1");

        var response = await admin.PostAsync(Route, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TrackingTokenStatus.Valid, await StatusOfAsync(first));
    }

    [Fact]
    public async Task OneTenantsRotationLeavesAnothersLinksAlone()
    {
        var adminOfA = _api.Client(await _api.NewTenantKeyAsync("ta"));
        await _api.NewTenantKeyAsync("tb");
        var linkOfB = await LinkTokenAsync("tb", "1042");

        (await adminOfA.PostAsJsonAsync(Route, new { retireOlder = true })).EnsureSuccessStatusCode();

        Assert.Equal(TrackingTokenStatus.Valid, await StatusOfAsync(linkOfB));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(ApiKeyRole.Agent, HttpStatusCode.Forbidden)]
    [InlineData(ApiKeyRole.Orders, HttpStatusCode.Forbidden)]
    public async Task OnlyATenantAdminMayRotate(ApiKeyRole? role, HttpStatusCode expected)
    {
        var tenant = "r" + (role?.ToString().ToLowerInvariant() ?? "none");
        await _api.NewTenantKeyAsync(tenant);
        var token = await LinkTokenAsync(tenant, "1042");
        var client = _api.Client(role is { } r ? await _api.NewTenantKeyAsync(tenant + "x", r) : null);
        var operatorClient = _api.Operator();

        var response = await client.PostAsJsonAsync(Route, new { retireOlder = true });
        var asOperator = await operatorClient.PostAsJsonAsync(Route, new { retireOlder = true });

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asOperator.StatusCode); // the operator has no tenant
        Assert.Equal(TrackingTokenStatus.Valid, await StatusOfAsync(token));
    }

    [Theory]
    [InlineData("{\"retireOlder\":", HttpStatusCode.BadRequest)]
    [InlineData("{\"retireOlder\":\"yes\"}", HttpStatusCode.BadRequest)]
    [InlineData("[true]", HttpStatusCode.BadRequest)]
    public async Task AMalformedBodyIsA400ProblemAndRetiresNothing(string body, HttpStatusCode expected)
    {
        var tenant = "m" + Math.Abs(body.GetHashCode(StringComparison.Ordinal) % 100000);
        var admin = _api.Client(await _api.NewTenantKeyAsync(tenant));
        var token = await LinkTokenAsync(tenant, "1042");

        var response = await admin.PostAsync(Route, Json(body));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TrackingTokenStatus.Valid, await StatusOfAsync(token));
        Assert.Equal(1, (await _api.App.Get<TrackingSecrets>().CurrentAsync(tenant, default)).Version);
    }

    [Fact]
    public async Task AnOversizedOrNonJsonBodyIsRefused()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("big"));
        var huge = "{\"retireOlder\":true,\"x\":\"" + new string('x', (int)HostingExtensions.DefaultMaxRequestBodyBytes) + "\"}";

        var oversized = await admin.PostAsync(Route, Json(huge));
        var form = await admin.PostAsync(Route, new StringContent("retireOlder=true", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(1, (await _api.App.Get<TrackingSecrets>().CurrentAsync("big", default)).Version);
    }

    [Fact]
    public async Task TheProblemForAWrongTypeNamesTheField()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("named"));

        var response = await admin.PostAsync(Route, Json("{\"retireOlder\":\"yes\"}"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("retireOlder", out _));
    }
}
