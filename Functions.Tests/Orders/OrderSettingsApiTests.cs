using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Orders;
using Functions.Tenants;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Orders;

/// <summary>
/// <c>PUT /api/orders/settings</c>: an admin changes their own tenant's settings; a malformed body,
/// an unknown status, a bad template name, a value of the wrong type, the wrong role or no key is a
/// 4xx problem naming what is wrong, and leaves every tenant's settings as they were.
/// </summary>
public sealed class OrderSettingsApiTests(OrderSettingsApiTests.App app) : IClassFixture<OrderSettingsApiTests.App>
{
    private const string Route = "/api/orders/settings";
    private readonly TenantApiFixture _api = app.Api;

    /// <summary>One app for the class: every test uses tenants of its own.</summary>
    public sealed class App : IAsyncLifetime
    {
        public TenantApiFixture Api { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Api.DisposeAsync();
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A tenant whose paid status is switched off and which sends session messages in the care window (not the defaults).</summary>
    private async Task<(string Tenant, HttpClient Admin)> ChangedTenantAsync()
    {
        var tenant = Unique("os");
        var admin = _api.Client(await _api.NewTenantKeyAsync(tenant));
        var put = await admin.PutAsync(Route, Json("""{"statuses":{"paid":{"enabled":false}},"sessionMessageInCareWindow":true}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (tenant, admin);
    }

    private static async Task<OrderSettingsView> SettingsOfAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<OrderSettingsView>(Route, TestJson.Options))!;

    private static void AssertUnchanged(OrderSettingsView settings)
    {
        Assert.False(settings.Statuses["paid"].Enabled);
        Assert.True(settings.Statuses["shipped"].Enabled);
        Assert.True(settings.SessionMessageInCareWindow);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task AnAdminChangesOneStatusAndTheRestKeepTheirDefaults()
    {
        var (_, admin) = await ChangedTenantAsync();

        var settings = await SettingsOfAsync(admin);

        AssertUnchanged(settings);
        Assert.Equal(DefaultOrderTemplates.Name(OrderStatus.Paid), settings.Statuses["paid"].Template);
        Assert.Equal(DefaultOrderTemplates.Name(OrderStatus.Shipped), settings.Statuses["shipped"].Template);
        Assert.False(settings.NotifyOutOfOrder);
    }

    public static TheoryData<string, string> Invalid() => new()
    {
        // field the problem names, body
        { "statuses.lost", """{"statuses":{"lost":{"enabled":false}}}""" },
        { "statuses.1", """{"statuses":{"1":{"enabled":false}}}""" },
        { "statuses.paid.template", """{"statuses":{"paid":{"template":"Not A Name!"}}}""" },
        { "statuses.paid.template", """{"statuses":{"paid":{"template":""}}}""" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task AnUnknownStatusOrBadTemplateNameIs400NamingItAndChangesNothing(string field, string body)
    {
        var (_, admin) = await ChangedTenantAsync();

        var response = await admin.PutAsync(Route, Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ProblemAsync(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"errors name {field}: {errors}");
        AssertUnchanged(await SettingsOfAsync(admin));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"statuses":""")]
    [InlineData("[1,2]")]
    [InlineData("""{"statuses":{"paid":{"enabled":"yes"}}}""")]
    [InlineData("""{"statuses":{"paid":{"template":7}}}""")]
    [InlineData("""{"notifyOutOfOrder":"sometimes"}""")]
    [InlineData("""{"statuses":["paid"]}""")]
    [InlineData("")]
    public async Task AMalformedBodyIs400AProblemAndChangesNothing(string body)
    {
        var (_, admin) = await ChangedTenantAsync();

        var response = await admin.PutAsync(Route, Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, (await ProblemAsync(response)).GetProperty("status").GetInt32());
        AssertUnchanged(await SettingsOfAsync(admin));
    }

    [Theory]
    [InlineData("""{"statuses":{"paid":{"enabled":"yes"}}}""", "statuses.paid.enabled")]
    [InlineData("""{"notifyOutOfOrder":"sometimes"}""", "notifyOutOfOrder")]
    [InlineData("not json", "body")]
    public async Task AValueOfTheWrongTypeIsAProblemNamingItsField(string body, string field)
    {
        var (_, admin) = await ChangedTenantAsync();

        var response = await admin.PutAsync(Route, Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ProblemAsync(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"errors name {field}: {errors}");
    }

    [Fact]
    public async Task AnotherContentTypeIs415AndChangesNothing()
    {
        var (_, admin) = await ChangedTenantAsync();

        var response = await admin.PutAsync(Route, new StringContent("{}", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await ProblemAsync(response);
        AssertUnchanged(await SettingsOfAsync(admin));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(ApiKeyRole.Agent, HttpStatusCode.Forbidden)]
    [InlineData(ApiKeyRole.Orders, HttpStatusCode.Forbidden)]
    public async Task OnlyATenantAdminMayChangeThem(ApiKeyRole? role, HttpStatusCode expected)
    {
        var (tenant, admin) = await ChangedTenantAsync();
        using var caller = _api.Client(role is { } r ? await KeyForAsync(tenant, r) : null);

        var response = await caller.PutAsync(Route, Json("{}"));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal((int)expected, (await ProblemAsync(response)).GetProperty("status").GetInt32());
        AssertUnchanged(await SettingsOfAsync(admin));
    }

    private async Task<string> KeyForAsync(string tenant, ApiKeyRole role)
    {
        var key = await _api.Operator().PostAsJsonAsync($"/api/operator/tenants/{tenant}/keys", new { role = role.ToString().ToLowerInvariant() });
        key.EnsureSuccessStatusCode();
        return (await key.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!.Key;
    }

    [Fact]
    public async Task AnAdminChangesOnlyTheirOwnTenantsSettings()
    {
        var (_, mine) = await ChangedTenantAsync();
        var (_, other) = await ChangedTenantAsync();

        var response = await other.PutAsync(Route, Json("""{"notifyOutOfOrder":true}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await SettingsOfAsync(other)).NotifyOutOfOrder);
        var untouched = await SettingsOfAsync(mine);
        AssertUnchanged(untouched);
        Assert.False(untouched.NotifyOutOfOrder);
    }
}
