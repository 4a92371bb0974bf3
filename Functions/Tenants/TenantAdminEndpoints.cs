using Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Tenants;

/// <summary>The platform operator's API: create, list, read and update tenants, and give them keys.</summary>
public static class TenantAdminEndpoints
{
    public static FunctionCatalog AddTenantAdminFunctions(this FunctionCatalog catalog)
    {
        static void OperatorOnly(RouteHandlerBuilder e) => e.RequireAuthorization(p => p.RequireRole(ApiKeyAuthentication.OperatorRole));
        return catalog
            .AddHttp("CreateTenant", "POST", "operator/tenants", CreateTenantAsync, OperatorOnly)
            .AddHttp("ListTenants", "GET", "operator/tenants", ListTenantsAsync, OperatorOnly)
            .AddHttp("GetTenant", "GET", "operator/tenants/{id}", GetTenantAsync, OperatorOnly)
            .AddHttp("UpdateTenant", "PATCH", "operator/tenants/{id}", UpdateTenantAsync, OperatorOnly)
            .AddHttp("CreateTenantKey", "POST", "operator/tenants/{id}/keys", CreateTenantKeyAsync, OperatorOnly);
    }

    public static async Task<Results<Created<TenantView>, ValidationProblem, ProblemHttpResult>> CreateTenantAsync(
        CreateTenantRequest request, TenantDirectory tenants, IEnumerable<ITenantSetup> setups, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = TenantValidation.Validate(request.Name ?? "", request.Slug ?? "", request.TimeZone, request.DefaultLanguage,
            request.DefaultCountryCode, request.PublicBaseUrl, request.Provider);
        var consent = request.Consent ?? new();
        foreach (var (field, messages) in TenantValidation.ValidateConsent(consent, ConsentSettings.Default, ConsentPrefix))
        {
            errors[field] = messages;
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The tenant is not valid.");
        }
        var now = time.GetUtcNow();
        var tenant = new Tenant(request.Slug!, request.Name!.Trim(), request.TimeZone ?? "UTC", request.DefaultLanguage ?? "en",
            Blank(request.DefaultCountryCode), Blank(request.PublicBaseUrl), (request.Provider ?? ProviderSettings.Sandbox).Normalized(), now, now)
        {
            Consent = consent.ApplyTo(ConsentSettings.Default),
        };
        if (!await tenants.TryCreateAsync(tenant, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The slug is taken.",
                detail: $"A tenant with slug '{tenant.Id}' exists already.");
        }
        foreach (var setup in setups)
        {
            await setup.TenantCreatedAsync(tenant, cancellationToken);
        }
        return TypedResults.Created($"/api/operator/tenants/{tenant.Id}", TenantView.Of(tenant));
    }

    public static async Task<Ok<IReadOnlyList<TenantView>>> ListTenantsAsync(TenantDirectory tenants, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<TenantView>>([.. (await tenants.ListAsync(cancellationToken)).Select(TenantView.Of)]);

    public static async Task<Results<Ok<TenantView>, ProblemHttpResult>> GetTenantAsync(string id, TenantDirectory tenants, CancellationToken cancellationToken) =>
        await tenants.FindAsync(id, cancellationToken) is { } tenant ? TypedResults.Ok(TenantView.Of(tenant)) : NotFound(id);

    public static async Task<Results<Ok<TenantView>, ValidationProblem, ProblemHttpResult>> UpdateTenantAsync(
        string id, UpdateTenantRequest request, TenantDirectory tenants, CancellationToken cancellationToken)
    {
        var errors = TenantValidation.Validate(request.Name, null, request.TimeZone, request.DefaultLanguage,
            request.DefaultCountryCode, request.PublicBaseUrl, null);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The change is not valid.");
        }
        var (found, updated) = await tenants.UpdateAsync(id, tenant =>
        {
            // Secrets left out are kept, so the provider is checked as it will be stored.
            var provider = request.Provider is null ? tenant.Provider : tenant.Provider.Apply(request.Provider).Normalized();
            errors = TenantValidation.Validate(null, null, null, null, null, null, provider);
            if (request.Consent is { } consent)
            {
                foreach (var (field, messages) in TenantValidation.ValidateConsent(consent, tenant.Consent, ConsentPrefix))
                {
                    errors[field] = messages;
                }
            }
            return errors.Count > 0 ? null : tenant with
            {
                Name = request.Name?.Trim() ?? tenant.Name,
                TimeZone = request.TimeZone ?? tenant.TimeZone,
                DefaultLanguage = request.DefaultLanguage ?? tenant.DefaultLanguage,
                DefaultCountryCode = request.DefaultCountryCode is null ? tenant.DefaultCountryCode : Blank(request.DefaultCountryCode),
                PublicBaseUrl = request.PublicBaseUrl is null ? tenant.PublicBaseUrl : Blank(request.PublicBaseUrl),
                Provider = provider,
                Consent = request.Consent?.ApplyTo(tenant.Consent) ?? tenant.Consent,
            };
        }, cancellationToken);
        return !found ? NotFound(id)
            : updated is null ? TypedResults.ValidationProblem(errors, title: "The change is not valid.")
            : TypedResults.Ok(TenantView.Of(updated));
    }

    public static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateTenantKeyAsync(
        string id, CreateApiKeyRequest request, TenantDirectory tenants, ApiKeys keys, CancellationToken cancellationToken)
    {
        if (!ApiKeyEndpoints.TryParseRole(request.Role, out var role))
        {
            return ApiKeyEndpoints.BadRole();
        }
        if (await tenants.FindAsync(id, cancellationToken) is null)
        {
            return NotFound(id);
        }
        var (key, info) = await keys.CreateAsync(id, role, cancellationToken);
        return TypedResults.Created($"/api/keys/{info.KeyId}", new CreatedApiKey(key, info));
    }

    private const string ConsentPrefix = "consent.";

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such tenant.", detail: $"There is no tenant '{(id.Length > 60 ? id[..60] : id)}'.");

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>
/// What other capabilities do for a new tenant (the default order templates, say): queue durable
/// work, quickly; called after the tenant is stored, by the operator API and the demo seeder.
/// </summary>
public interface ITenantSetup
{
    Task TenantCreatedAsync(Tenant tenant, CancellationToken cancellationToken);
}

public sealed record CreateTenantRequest(
    string? Name, string? Slug, string? TimeZone, string? DefaultLanguage, string? DefaultCountryCode, string? PublicBaseUrl, ProviderSettings? Provider,
    ConsentSettingsRequest? Consent = null);

/// <summary>Only the fields given change (also inside <see cref="Consent"/>); provider secrets left out are kept.</summary>
public sealed record UpdateTenantRequest(
    string? Name, string? TimeZone, string? DefaultLanguage, string? DefaultCountryCode, string? PublicBaseUrl, ProviderSettings? Provider,
    ConsentSettingsRequest? Consent = null);

public sealed record TenantView(
    string Id, string Name, string TimeZone, string DefaultLanguage, string? DefaultCountryCode, string? PublicBaseUrl,
    ProviderView Provider, ConsentSettings Consent, DateTimeOffset CreatedOn, DateTimeOffset UpdatedOn)
{
    public static TenantView Of(Tenant t) =>
        new(t.Id, t.Name, t.TimeZone, t.DefaultLanguage, t.DefaultCountryCode, t.PublicBaseUrl, t.Provider.ToView(), t.Consent, t.CreatedOn, t.UpdatedOn);
}
