using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Functions.Tenants;

/// <summary>
/// Authenticates <c>Authorization: Bearer …</c> (or <c>X-Api-Key</c>): the platform operator's key,
/// or a tenant key checked against <see cref="ApiKeys"/>. A tenant principal carries the tenant id
/// and role, and every query is scoped to that tenant; the operator has no tenant.
/// Failures answer 401/403 with a problem body.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys, OperatorKey operatorKey)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TenantClaim = "tenant";

    /// <summary>The inbox agent an agent key is bound to (absent on unbound keys).</summary>
    public const string AgentClaim = "agent";
    public const string OperatorRole = "operator";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = null;
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }
        else if (Request.Headers.TryGetValue("X-Api-Key", out var header))
        {
            presented = header.ToString().Trim();
        }
        if (string.IsNullOrEmpty(presented))
        {
            return AuthenticateResult.NoResult();
        }

        if (operatorKey.Matches(presented))
        {
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.NameIdentifier, "operator"), new Claim(ClaimTypes.Role, OperatorRole)], SchemeName)), SchemeName));
        }

        var identity = await keys.VerifyAsync(presented, Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("The API key is not valid.");
        }
        List<Claim> claims =
        [
            new Claim(ClaimTypes.NameIdentifier, identity.KeyId),
            new Claim(TenantClaim, identity.TenantId),
            new Claim(ClaimTypes.Role, identity.Role.ToString().ToLowerInvariant()),
        ];
        if (identity.AgentId is { } agentId)
        {
            claims.Add(new Claim(AgentClaim, agentId));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required",
            result.Failure?.Message ?? "Send a tenant API key as 'Authorization: Bearer wab_…' or 'X-Api-Key'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "This key's role may not use this endpoint.");

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            Response.Headers.WWWAuthenticate = "Bearer";
        }
        return Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(Context);
    }
}

/// <summary>Who may call a tenant's endpoint: a key of the tenant with one of these roles (pass as an endpoint's configuration).</summary>
public static class TenantAccess
{
    /// <summary>Tenant admins only: settings, keys, templates, erasure.</summary>
    public static void Admin(RouteHandlerBuilder endpoint) => Roles(endpoint, "admin");

    /// <summary>Tenant admins and agents: the inbox, contacts, sending.</summary>
    public static void AdminOrAgent(RouteHandlerBuilder endpoint) => Roles(endpoint, "admin", "agent");

    /// <summary>Any key of a tenant, whatever its role.</summary>
    public static void AnyRole(RouteHandlerBuilder endpoint) => endpoint.RequireAuthorization(p => p.RequireClaim(ApiKeyAuthentication.TenantClaim));

    private static void Roles(RouteHandlerBuilder endpoint, params string[] roles) =>
        endpoint.RequireAuthorization(p => p.RequireRole(roles).RequireClaim(ApiKeyAuthentication.TenantClaim));
}
