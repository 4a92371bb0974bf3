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
            .AddHttp("SetAutoArchive", "PUT", "tenant/auto-archive", SetAutoArchiveAsync, TenantAccess.Admin)
            .AddTenantAdminFunctions()
            .AddApiKeyFunctions();
        return builder;
    }

    /// <summary>The tenant the presented key belongs to, and the key's role: a quick check that a key works.</summary>
    public static async Task<Results<Ok<CurrentTenant>, NotFound>> GetCurrentTenantAsync(
        ClaimsPrincipal user, TenantDirectory tenants, CancellationToken cancellationToken) =>
        await tenants.FindAsync(user.TenantId(), cancellationToken) is { } tenant
            ? TypedResults.Ok(new CurrentTenant(tenant.Id, tenant.Name, tenant.Provider.Type, user.FindFirstValue(ClaimTypes.Role)!, tenant.Consent)
            {
                AutoArchiveAfter = tenant.AutoArchiveAfter,
            })
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

    /// <summary>A tenant admin turns auto-archive on (an idle time) or off (null).</summary>
    public static async Task<Results<Ok<AutoArchiveSettings>, ValidationProblem, NotFound>> SetAutoArchiveAsync(
        AutoArchiveRequest request, ClaimsPrincipal user, TenantDirectory tenants, CancellationToken cancellationToken)
    {
        var errors = TenantValidation.ValidateAutoArchive(request.After);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The auto-archive setting is not valid.");
        }
        var (found, updated) = await tenants.UpdateAsync(user.TenantId(), tenant => tenant with { AutoArchiveAfter = request.After }, cancellationToken);
        return found && updated is not null ? TypedResults.Ok(new AutoArchiveSettings(updated.AutoArchiveAfter)) : TypedResults.NotFound();
    }
}

/// <summary>The key's tenant and role, and the tenant's settings its admin may change (consent, auto-archive).</summary>
public sealed record CurrentTenant(string Id, string Name, string Provider, string Role, ConsentSettings Consent)
{
    /// <summary>How long a conversation may sit idle before it is archived; null: never.</summary>
    public TimeSpan? AutoArchiveAfter { get; init; }
}

/// <summary><c>after</c>: the idle time (<c>d.hh:mm:ss</c>) after which Active conversations are archived; null turns it off.</summary>
public sealed record AutoArchiveRequest(TimeSpan? After);

public sealed record AutoArchiveSettings(TimeSpan? After);
