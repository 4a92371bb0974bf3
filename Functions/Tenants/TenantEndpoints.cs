using System.Security.Claims;
using Functions.Hosting;
using Functions.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Tenants;

public static class TenantEndpoints
{
    public static IHostApplicationBuilder AddTenants(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(Tenant.Table, ApiKeys.Table);
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        // Only for someone trying the app by hand: never under the Functions host, which keeps stdout in its logs.
        if (StorageExtensions.IsInMemory(builder.Configuration) && HostingEnvironment.From(builder.Configuration).Mode == HostingMode.Standalone)
        {
            builder.Services.AddHostedService<DemoTenantSeeder>();
        }

        builder.GetFunctionCatalog().AddHttp("GetCurrentTenant", "GET", "tenant", GetCurrentTenantAsync, e => e.RequireAuthorization());
        return builder;
    }

    /// <summary>The tenant the presented key belongs to, and the key's role: a quick check that a key works.</summary>
    public static async Task<Results<Ok<CurrentTenant>, NotFound>> GetCurrentTenantAsync(
        ClaimsPrincipal user, ITableStore tables, CancellationToken cancellationToken)
    {
        var tenantId = user.FindFirstValue(ApiKeyAuthentication.TenantClaim)!;
        var row = await tables.GetEntityIfExistsAsync(Tenant.Table, Tenant.Partition, tenantId, cancellationToken);
        if (row is null)
        {
            return TypedResults.NotFound();
        }
        var tenant = Tenant.FromEntity(row);
        return TypedResults.Ok(new CurrentTenant(tenant.Id, tenant.Name, tenant.Slug, tenant.Provider, user.FindFirstValue(ClaimTypes.Role)!));
    }
}

public sealed record CurrentTenant(string Id, string Name, string Slug, string Provider, string Role);
