using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Hosting;
using Functions.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Tenants;

public sealed class TenantAdminEndpointsTests : IAsyncLifetime
{
    private const string AuthToken = "0123456789abcdef0123456789abcdef";
    private readonly TenantApiFixture _api = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static object TwilioTenant(string slug) => new
    {
        name = "Acme Shop",
        slug,
        timeZone = "Europe/Stockholm",
        defaultLanguage = "sv",
        defaultCountryCode = "46",
        publicBaseUrl = "https://wa.example.com",
        provider = new { type = "twilio", accountSid = "AC" + new string('a', 32), authToken = AuthToken, from = "+46 70 123 45 67" },
    };

    [Fact]
    public async Task TheOperatorCreatesATenantAndItsSecretsAreNeverReturned()
    {
        var response = await _api.Operator().PostAsJsonAsync("/api/operator/tenants", TwilioTenant("acme"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/operator/tenants/acme", response.Headers.Location!.OriginalString);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(AuthToken, raw);
        var tenant = JsonSerializer.Deserialize<TenantView>(raw, TestJson.Options)!;
        Assert.Equal(("acme", "Acme Shop", "Europe/Stockholm", "sv", "46"), (tenant.Id, tenant.Name, tenant.TimeZone, tenant.DefaultLanguage, tenant.DefaultCountryCode));
        Assert.Equal("twilio", tenant.Provider.Type);
        Assert.True(tenant.Provider.HasAuthToken);
        Assert.Equal("+46701234567", tenant.Provider.From); // stored as E.164, however it was written

        var read = await _api.Operator().GetStringAsync("/api/operator/tenants/acme");
        Assert.DoesNotContain(AuthToken, read);
        var list = await _api.Operator().GetFromJsonAsync<List<TenantView>>("/api/operator/tenants", TestJson.Options);
        Assert.Contains(list!, t => t.Id == "acme");
        Assert.DoesNotContain(AuthToken, await _api.Operator().GetStringAsync("/api/operator/tenants"));
    }

    [Fact]
    public async Task EveryBadFieldIsNamedAndNothingIsCreated()
    {
        var response = await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "",
            slug = "Not A Slug!",
            timeZone = "Mars/Olympus",
            defaultLanguage = "english",
            defaultCountryCode = "+46",
            publicBaseUrl = "ftp://example.com/x?y=1",
            provider = new { type = "twilio", accountSid = "AC123", from = "call me", apiKeySid = "SK" + new string('0', 32) },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["defaultCountryCode", "defaultLanguage", "name", "provider.accountSid", "provider.apiKeySecret", "provider.authToken",
            "provider.from", "publicBaseUrl", "slug", "timeZone"], fields);
        Assert.DoesNotContain((await _api.Operator().GetFromJsonAsync<List<TenantView>>("/api/operator/tenants", TestJson.Options))!, t => t.Name == "");
    }

    [Theory]
    [InlineData("meta", "provider.phoneNumberId")]
    [InlineData("whatsapp-web", "provider.type")]
    public async Task ProviderFieldsAreCheckedPerProvider(string type, string field)
    {
        var response = await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "X", slug = "x-" + type, provider = new { type } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    private static object MetaProvider(string? appId) => new
    {
        type = "meta", phoneNumberId = "106540352242922", businessAccountId = "102290129340398",
        accessToken = "EAAG-secret-token", appSecret = "0123456789abcdef0123456789abcdef", verifyToken = "verify-me", appId,
    };

    [Theory]
    [InlineData("12ab34")]
    [InlineData("1234")]
    [InlineData(" 123456789012345")]
    public async Task AMetaAppIdIsDigits(string appId)
    {
        var response = await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "X", slug = "meta-bad-app", provider = MetaProvider(appId) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["provider.appId"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task AMetaAppIdIsOptionalShownAndSetByAnUpdateThatKeepsTheSecrets()
    {
        var created = await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Meta Co", slug = "meta-app", provider = MetaProvider(null) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Null((await created.Content.ReadFromJsonAsync<TenantView>(TestJson.Options))!.Provider.AppId);

        var updated = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/meta-app", new { provider = new { type = "meta", appId = "987654321012345" } });

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var raw = await updated.Content.ReadAsStringAsync();
        Assert.DoesNotContain("EAAG-secret-token", raw);
        var view = JsonSerializer.Deserialize<TenantView>(raw, TestJson.Options)!;
        Assert.Equal("987654321012345", view.Provider.AppId);
        Assert.True(view.Provider.HasAccessToken && view.Provider.HasAppSecret && view.Provider.HasVerifyToken);
        Assert.Equal("987654321012345", (await _api.Operator().GetFromJsonAsync<TenantView>("/api/operator/tenants/meta-app", TestJson.Options))!.Provider.AppId);
    }

    [Fact]
    public async Task ATakenSlugConflictsAndTheFirstTenantIsUnchanged()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", TwilioTenant("taken"))).EnsureSuccessStatusCode();
        var again = await _api.Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Imposter", slug = "taken" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Acme Shop", (await _api.Operator().GetFromJsonAsync<TenantView>("/api/operator/tenants/taken", TestJson.Options))!.Name);
    }

    [Fact]
    public async Task UpdatesChangeOnlyTheGivenFieldsAndKeepSecretsLeftOut()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", TwilioTenant("upd"))).EnsureSuccessStatusCode();
        var response = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/upd", new
        {
            name = "Acme Renamed",
            provider = new { type = "twilio", from = "+46701112233" }, // no auth token: the stored one stays
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = (await response.Content.ReadFromJsonAsync<TenantView>(TestJson.Options))!;
        Assert.Equal("Acme Renamed", updated.Name);
        Assert.Equal("+46701112233", updated.Provider.From);
        Assert.True(updated.Provider.HasAuthToken);
        Assert.Equal("Europe/Stockholm", updated.TimeZone);
    }

    [Fact]
    public async Task AnInvalidUpdateIsRefusedAndChangesNothing()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", TwilioTenant("stay"))).EnsureSuccessStatusCode();
        var before = await _api.Operator().GetStringAsync("/api/operator/tenants/stay");

        var switchToMeta = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/stay", new { provider = new { type = "meta", phoneNumberId = "123456" } });
        Assert.Equal(HttpStatusCode.BadRequest, switchToMeta.StatusCode);
        var badZone = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/stay", new { timeZone = "Nowhere/Land" });
        Assert.Equal(HttpStatusCode.BadRequest, badZone.StatusCode);

        Assert.Equal(before, await _api.Operator().GetStringAsync("/api/operator/tenants/stay"));
    }

    [Fact]
    public async Task AnUnknownTenantIsNotFound()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Operator().GetAsync("/api/operator/tenants/nobody")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/nobody", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Operator().PostAsJsonAsync("/api/operator/tenants/nobody/keys", new { role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Operator().GetAsync("/api/operator/tenants/" + new string('x', 300))).StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/operator/tenants")]
    [InlineData("GET", "/api/operator/tenants")]
    [InlineData("GET", "/api/operator/tenants/demo")]
    [InlineData("PATCH", "/api/operator/tenants/demo")]
    [InlineData("POST", "/api/operator/tenants/demo/keys")]
    public async Task OnlyTheOperatorMayUseTheAdminApi(string method, string path)
    {
        var tenantAdmin = await _api.NewTenantKeyAsync("guard-" + Guid.NewGuid().ToString("N")[..12]);
        HttpRequestMessage Request() => new(new HttpMethod(method), path) { Content = JsonContent.Create(new { name = "x", slug = "x1", role = "admin" }) };

        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).SendAsync(Request())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client("op-test-key-wrong-0123456789abcdef0123456789").SendAsync(Request())).StatusCode);
        var forbidden = await _api.Client(tenantAdmin).SendAsync(Request());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task MalformedAndOversizedBodiesGetA4xxProblemAndCreateNothing()
    {
        var client = _api.Operator();
        var malformed = await client.PostAsync("/api/operator/tenants", new StringContent("{\"name\": \"x\", \"slug\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType!.MediaType);

        var wrongType = await client.PostAsync("/api/operator/tenants", new StringContent("{\"name\": 5, \"slug\": [\"a\"]}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);

        var notJson = await client.PostAsync("/api/operator/tenants", new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);

        var huge = "{\"name\":\"" + new string('x', (int)HostingExtensions.DefaultMaxRequestBodyBytes) + "\",\"slug\":\"huge\"}";
        var oversized = await client.PostAsync("/api/operator/tenants", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal("application/problem+json", oversized.Content.Headers.ContentType!.MediaType);

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        chunked.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/operator/tenants") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.SendAsync(request)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/operator/tenants/huge")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/operator/tenants/x")).StatusCode);
    }

    [Fact]
    public async Task AKeyTheOperatorCreatesWorksForThatTenantOnly()
    {
        var key = await _api.NewTenantKeyAsync("keyed", ApiKeyRole.Orders);
        var me = await _api.Client(key).GetFromJsonAsync<CurrentTenant>("/api/tenant", TestJson.Options);
        Assert.Equal(new CurrentTenant("keyed", "Tenant keyed", "sandbox", "orders", ConsentSettings.Default), me);

        var badRole = await _api.Operator().PostAsJsonAsync("/api/operator/tenants/keyed/keys", new { role = "superuser" });
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        var numericRole = await _api.Operator().PostAsJsonAsync("/api/operator/tenants/keyed/keys", new { role = "1" });
        Assert.Equal(HttpStatusCode.BadRequest, numericRole.StatusCode);
    }

    [Fact]
    public async Task WithoutAnOperatorKeyTheAdminApiIsClosed()
    {
        // Under the Functions host nothing is generated: no setting, no operator.
        await using var app = new FunctionsAppFactory(new Dictionary<string, string?> { [HostingEnvironment.PortSetting] = "7999" });
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", TenantApiFixture.OperatorKeyValue);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/operator/tenants")).StatusCode);
    }

    [Fact]
    public async Task MovingToAnotherTwilioAccountNeedsThatAccountsToken()
    {
        (await _api.Operator().PostAsJsonAsync("/api/operator/tenants", TwilioTenant("moving"))).EnsureSuccessStatusCode();
        var newAccount = "AC" + new string('b', 32);
        var withoutToken = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/moving", new { provider = new { type = "twilio", accountSid = newAccount } });
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Contains("provider.authToken", await withoutToken.Content.ReadAsStringAsync());
        Assert.Equal("AC" + new string('a', 32), (await _api.Operator().GetFromJsonAsync<TenantView>("/api/operator/tenants/moving", TestJson.Options))!.Provider.AccountSid);

        var withToken = await _api.Operator().PatchAsJsonAsync("/api/operator/tenants/moving", new { provider = new { type = "twilio", accountSid = newAccount, authToken = "fedcba9876543210fedcba9876543210" } });
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
    }

    [Fact]
    public async Task AStorageOutageWhileCheckingAKeyIsA503ProblemWithoutTheKey()
    {
        var tables = (InterceptingTableStore?)null;
        await using var app = new FunctionsAppFactory(configureServices: services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(Functions.Storage.ITableStore));
            services.Remove(original);
            services.AddSingleton<Functions.Storage.ITableStore>(sp =>
                tables = new InterceptingTableStore((Functions.Storage.ITableStore)original.ImplementationFactory!(sp)));
        });
        var client = app.CreateClient();
        tables!.FailReadsFrom = ApiKeys.Table;
        const string key = "wab_demo.0123456789abcdef.secret-that-must-not-leak";
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);

        var response = await client.GetAsync("/api/tenant");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.DoesNotContain("secret-that-must-not-leak", await response.Content.ReadAsStringAsync());
    }
}
