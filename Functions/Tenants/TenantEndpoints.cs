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
        builder.Services.AddSingleton<TenantDirectory>();
        var demoMode = StorageExtensions.IsInMemory(builder.Configuration) && HostingEnvironment.From(builder.Configuration).Mode == HostingMode.Standalone;
        builder.Services.AddSingleton(OperatorKey.From(builder.Configuration, demoMode));
        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        // Only for someone trying the app by hand: never under the Functions host, which keeps stdout in its logs.
        if (demoMode)
        {
            builder.Services.AddHostedService<DemoTenantSeeder>();
        }

        builder.GetFunctionCatalog()
            .AddHttp("GetCurrentTenant", "GET", "tenant", GetCurrentTenantAsync, TenantAccess.AnyRole)
            .AddHttp("SetConsentSettings", "PUT", "tenant/consent", SetConsentSettingsAsync,
                TenantAccess.Admin)
            .AddTenantAdminFunctions()
            .AddApiKeyFunctions();
        return builder;
    }

    /// <summary>The tenant the presented key belongs to, and the key's role: a quick check that a key works.</summary>
    public static async Task<Results<Ok<CurrentTenant>, NotFound>> GetCurrentTenantAsync(
        ClaimsPrincipal user, TenantDirectory tenants, CancellationToken cancellationToken) =>
        await tenants.FindAsync(user.TenantId(), cancellationToken) is { } tenant
            ? TypedResults.Ok(new CurrentTenant(tenant.Id, tenant.Name, tenant.Provider.Type, user.FindFirstValue(ClaimTypes.Role)!, tenant.Consent))
            : TypedResults.NotFound();

    /// <summary>A tenant admin replaces the tenant's own consent keywords and replies; fields left out take their defaults.</summary>
    public static async Task<Results<Ok<ConsentSettings>, ValidationProblem, NotFound>> SetConsentSettingsAsync(
        ConsentSettingsRequest request, ClaimsPrincipal user, TenantDirectory tenants, CancellationToken cancellationToken)
    {
        var errors = TenantValidation.ValidateConsent(request, ConsentSettings.Default);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The consent settings are not valid.");
        }
        var (found, updated) = await tenants.UpdateAsync(user.TenantId(), tenant => tenant with { Consent = request.ApplyTo(ConsentSettings.Default) }, cancellationToken);
        return found && updated is not null ? TypedResults.Ok(updated.Consent) : TypedResults.NotFound();
    }
}

/// <summary>The key's tenant and role, and the tenant's consent settings (which its admin may change).</summary>
public sealed record CurrentTenant(string Id, string Name, string Provider, string Role, ConsentSettings Consent);
