using System.Net.Http.Headers;
using System.Net.Http.Json;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Tenants;

/// <summary>
/// The app with a known operator key (plus any other settings and test functions), and clients
/// for the operator and for tenants' keys.
/// </summary>
public sealed class TenantApiFixture(
    IReadOnlyDictionary<string, string?>? settings = null,
    Action<FunctionCatalog, StorageLayout>? addFunctions = null,
    Action<IServiceCollection>? configureServices = null) : IAsyncDisposable
{
    public const string OperatorKeyValue = "op-test-key-0123456789abcdef0123456789abcdef";

    public FunctionsAppFactory App { get; } = new(
        new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { [OperatorKey.Setting] = OperatorKeyValue },
        addFunctions,
        configureServices);

    public HttpClient Client(string? key)
    {
        var client = App.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient Operator() => Client(OperatorKeyValue);

    /// <summary>Creates a sandbox tenant and returns a key of the given role for it.</summary>
    public async Task<string> NewTenantKeyAsync(string slug, ApiKeyRole role = ApiKeyRole.Admin)
    {
        var created = await Operator().PostAsJsonAsync("/api/operator/tenants", new { name = "Tenant " + slug, slug });
        created.EnsureSuccessStatusCode();
        var key = await Operator().PostAsJsonAsync($"/api/operator/tenants/{slug}/keys", new { role = role.ToString().ToLowerInvariant() });
        key.EnsureSuccessStatusCode();
        return (await key.Content.ReadFromJsonAsync<CreatedApiKey>(TestJson.Options))!.Key;
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
