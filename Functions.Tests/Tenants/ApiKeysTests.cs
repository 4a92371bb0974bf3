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
        var key = await _keys.CreateAsync("acme", ApiKeyRole.Orders, default);
        var identity = await _keys.VerifyAsync(key, default);
        Assert.Equal("acme", identity!.TenantId);
        Assert.Equal(ApiKeyRole.Orders, identity.Role);
    }

    [Fact]
    public async Task OnlyAHashOfTheSecretIsStored()
    {
        var key = await _keys.CreateAsync("acme", ApiKeyRole.Admin, default);
        var secret = key[(key.IndexOf('.') + 1)..];
        var row = Assert.Single((await _tables.QueryAsync(ApiKeys.Table, new TableQuery(key[4..key.IndexOf('.')]))).Entities);
        Assert.DoesNotContain(row.Properties.Values, v => v is string s && s.Contains(secret));
        Assert.Equal(32, row.GetBinary("SecretHash")!.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("wab_")]
    [InlineData("wab_0123456789abcdef")]
    [InlineData("wab_0123456789abcdef.secret")]
    [InlineData("wab_../../etc.x")]
    [InlineData("Bearer nonsense")]
    public async Task MalformedOrUnknownKeysAreRefused(string presented) =>
        Assert.Null(await _keys.VerifyAsync(presented, default));

    [Fact]
    public async Task AKeyWithTheWrongSecretOrRevokedIsRefused()
    {
        var key = await _keys.CreateAsync("acme", ApiKeyRole.Agent, default);
        Assert.Null(await _keys.VerifyAsync(key[..^1] + (key[^1] == 'A' ? 'B' : 'A'), default));

        var keyId = key[4..key.IndexOf('.')];
        await _tables.MergeAsync(ApiKeys.Table, new TableEntity(keyId, "key") { ["RevokedOn"] = DateTimeOffset.UtcNow }, Azure.ETag.All);
        Assert.Null(await _keys.VerifyAsync(key, default));
    }

    [Fact]
    public async Task TheDemoTenantsKeyWorksOverHttpAndBadKeysGetAProblem401()
    {
        await using var app = new FunctionsAppFactory();
        var client = app.CreateClient();

        var anonymous = await client.GetAsync("/api/tenant");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType!.MediaType);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wab_0123456789abcdef.wrong");
        var wrong = await client.GetAsync("/api/tenant");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var problem = JsonDocument.Parse(await wrong.Content.ReadAsStringAsync());
        Assert.Equal("The API key is not valid.", problem.RootElement.GetProperty("detail").GetString());

        // A key for the seeded demo tenant, made the way the seeder makes its own.
        var key = await app.Get<ApiKeys>().CreateAsync("demo", ApiKeyRole.Agent, default);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var me = await client.GetFromJsonAsync<CurrentTenant>("/api/tenant");
        Assert.Equal(new CurrentTenant("demo", "Demo Company", "demo", "sandbox", "agent"), me);

        client.DefaultRequestHeaders.Authorization = null;
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tenant")).StatusCode);
    }
}
