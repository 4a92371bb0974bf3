using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Tenants;

public sealed class ApiKeysTests : IAsyncLifetime
{
    private readonly InMemoryTableStore _tables = new(TimeProvider.System);
    private ApiKeys _keys = null!;

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(ApiKeys.Table);
        _keys = new ApiKeys(_tables, TimeProvider.System);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ACreatedKeyVerifiesAsItsTenantAndRole()
    {
        var (key, _) = await _keys.CreateAsync("acme", ApiKeyRole.Orders, default);
        var identity = await _keys.VerifyAsync(key, default);
        Assert.Equal("acme", identity!.TenantId);
        Assert.Equal(ApiKeyRole.Orders, identity.Role);
    }

    [Fact]
    public async Task OnlyAHashOfTheSecretIsStored()
    {
        var (key, _) = await _keys.CreateAsync("acme", ApiKeyRole.Admin, default);
        var secret = key.Split('.')[2];
        var row = Assert.Single((await _tables.QueryAsync(ApiKeys.Table, new TableQuery("acme"))).Entities);
        Assert.DoesNotContain(row.Properties.Values, v => v is string s && s.Contains(secret));
        Assert.Equal(32, row.GetBinary("SecretHash")!.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("wab_")]
    [InlineData("wab_acme.0123456789abcdef")]
    [InlineData("wab_acme.0123456789abcdef.secret")]
    [InlineData("wab_../../etc.0123456789abcdef.x")]
    [InlineData("wab_acme.0123456789ABCDEF.x")]
    [InlineData("wab_acme.0123456789abcdef.x.y")]
    [InlineData("Bearer nonsense")]
    public async Task MalformedOrUnknownKeysAreRefused(string presented) =>
        Assert.Null(await _keys.VerifyAsync(presented, default));

    [Fact]
    public async Task AKeyWithTheWrongSecretOrRevokedIsRefused()
    {
        var (key, info) = await _keys.CreateAsync("acme", ApiKeyRole.Agent, default);
        Assert.Null(await _keys.VerifyAsync(key[..^1] + (key[^1] == 'A' ? 'B' : 'A'), default));
        Assert.Null(await _keys.VerifyAsync(key.Replace("wab_acme.", "wab_other."), default)); // another tenant's prefix

        Assert.True(await _keys.RevokeAsync("acme", info.KeyId, default));
        Assert.Null(await _keys.VerifyAsync(key, default));
        Assert.False(await _keys.RevokeAsync("other", info.KeyId, default));
    }

    [Fact]
    public async Task TheDemoTenantsKeyWorksOverHttpAndBadKeysGetAProblem401()
    {
        await using var app = new FunctionsAppFactory();
        var client = app.CreateClient();

        var anonymous = await client.GetAsync("/api/tenant");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType!.MediaType);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wab_demo.0123456789abcdef.wrong");
        var wrong = await client.GetAsync("/api/tenant");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var problem = JsonDocument.Parse(await wrong.Content.ReadAsStringAsync());
        Assert.Equal("The API key is not valid.", problem.RootElement.GetProperty("detail").GetString());

        // A key for the seeded demo tenant, made the way the seeder makes its own.
        var (key, _) = await app.Get<ApiKeys>().CreateAsync("demo", ApiKeyRole.Agent, default);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var me = await client.GetFromJsonAsync<CurrentTenant>("/api/tenant", TestJson.Options);
        Assert.Equal(new CurrentTenant("demo", "Demo Company", "sandbox", "agent", ConsentSettings.Default), me);

        client.DefaultRequestHeaders.Authorization = null;
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tenant")).StatusCode);
    }
}
