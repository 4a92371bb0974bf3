using System.Net;
using System.Net.Http.Json;
using Functions.Conversations;
using Functions.Storage.InMemory;
using Functions.Tenants;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Tenants;

/// <summary>An agent key can be bound to one of its tenant's inbox agents; the binding travels with every request made with it.</summary>
public sealed class AgentKeyTests : IAsyncLifetime
{
    private readonly TenantApiFixture _api = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task ABoundAgentKeyIsListedWithItsAgentAndVerifiesAsThatAgent()
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("bound"));
        var agent = (await (await admin.PostAsJsonAsync("/api/agents", new { name = "Ann" })).Content.ReadFromJsonAsync<InboxAgent>(TestJson.Options))!;

        var created = await admin.PostAsJsonAsync("/api/keys", new { role = "agent", agentId = agent.Id });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!;
        Assert.Equal(agent.Id, key.Info.AgentId);
        Assert.Equal(agent.Id, (await admin.GetFromJsonAsync<List<ApiKeyInfo>>("/api/keys", TestJson.Options))!.Single(k => k.KeyId == key.Info.KeyId).AgentId);

        var identity = await _api.App.Get<ApiKeys>().VerifyAsync(key.Key, default);
        Assert.Equal(("bound", ApiKeyRole.Agent, agent.Id), (identity!.TenantId, identity.Role, identity.AgentId));
    }

    [Theory]
    [InlineData("admin", true)]       // only agent keys act as an agent
    [InlineData("orders", true)]
    [InlineData("agent", false)]      // an agent the tenant does not have
    public async Task ABindingTheTenantCannotHaveIs400NamingAgentId(string role, bool existingAgent)
    {
        var admin = _api.Client(await _api.NewTenantKeyAsync("refuse-" + role));
        var agentId = existingAgent
            ? (await (await admin.PostAsJsonAsync("/api/agents", new { name = "Ann" })).Content.ReadFromJsonAsync<InboxAgent>(TestJson.Options))!.Id
            : "ag0123456789ab";
        var response = await admin.PostAsJsonAsync("/api/keys", new { role, agentId });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("agentId", await response.Content.ReadAsStringAsync());
        Assert.Single((await admin.GetFromJsonAsync<List<ApiKeyInfo>>("/api/keys", TestJson.Options))!); // only the admin's own
    }

    [Fact]
    public async Task UnboundKeysHaveNoAgentAndTheStoreRefusesABindingForOtherRoles()
    {
        var tables = new InMemoryTableStore(TimeProvider.System);
        await tables.CreateTableIfNotExistsAsync(ApiKeys.Table);
        var keys = new ApiKeys(tables, TimeProvider.System);
        var (plain, _) = await keys.CreateAsync("shop", ApiKeyRole.Agent, default);
        Assert.Null((await keys.VerifyAsync(plain, default))!.AgentId);
        await Assert.ThrowsAsync<ArgumentException>(() => keys.CreateAsync("shop", ApiKeyRole.Admin, "ag0123456789ab", default));
    }
}
