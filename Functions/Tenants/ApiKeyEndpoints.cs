using System.Security.Claims;
using Functions.Conversations;
using Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Tenants;

/// <summary>
/// A tenant admin's own keys: create (shown once), list (prefix only), revoke. An agent key can be
/// bound to one of the tenant's inbox agents at creation (<c>agentId</c>): the inbox's "mine" and
/// "assign to me" then mean that agent. A key's binding does not change; to move it, create a new
/// key and revoke the old one.
/// </summary>
public static class ApiKeyEndpoints
{
    public static FunctionCatalog AddApiKeyFunctions(this FunctionCatalog catalog)
    {
        return catalog
            .AddHttp("CreateApiKey", "POST", "keys", CreateApiKeyAsync, TenantAccess.Admin)
            .AddHttp("ListApiKeys", "GET", "keys", ListApiKeysAsync, TenantAccess.Admin)
            .AddHttp("RevokeApiKey", "DELETE", "keys/{keyId}", RevokeApiKeyAsync, TenantAccess.Admin);
    }

    public static async Task<Results<Created<CreatedApiKey>, ValidationProblem>> CreateApiKeyAsync(
        CreateApiKeyRequest request, ClaimsPrincipal user, ApiKeys keys, InboxCatalog inbox, CancellationToken cancellationToken)
    {
        if (!TryParseRole(request.Role, out var role))
        {
            return BadRole();
        }
        if (request.AgentId is { } agentId)
        {
            var problem = role != ApiKeyRole.Agent ? "Only an agent key can be bound to an agent."
                : await inbox.FindAgentAsync(user.TenantId(), agentId, cancellationToken) is null ? "This tenant has no agent with that id (see GET /api/agents)."
                : null;
            if (problem is not null)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["agentId"] = [problem] }, title: "The key is not valid.");
            }
        }
        var (key, info) = await keys.CreateAsync(user.TenantId(), role, request.AgentId, cancellationToken);
        return TypedResults.Created($"/api/keys/{info.KeyId}", new CreatedApiKey(key, info));
    }

    public static async Task<Ok<IReadOnlyList<ApiKeyInfo>>> ListApiKeysAsync(ClaimsPrincipal user, ApiKeys keys, CancellationToken cancellationToken) =>
        TypedResults.Ok(await keys.ListAsync(user.TenantId(), cancellationToken));

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKeyAsync(
        string keyId, ClaimsPrincipal user, ApiKeys keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(user.TenantId(), keyId, cancellationToken)
            ? TypedResults.NoContent()
            // Another tenant's key is "not found" too: nothing tells one tenant about another.
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such key.", detail: "This tenant has no key with that id.");

    internal static bool TryParseRole(string? role, out ApiKeyRole parsed)
    {
        // Names only: Enum.TryParse would also take numbers and comma lists ("admin,agent").
        ApiKeyRole? known = role?.ToLowerInvariant() switch
        {
            "admin" => ApiKeyRole.Admin,
            "agent" => ApiKeyRole.Agent,
            "orders" => ApiKeyRole.Orders,
            _ => null,
        };
        parsed = known ?? default;
        return known is not null;
    }

    internal static ValidationProblem BadRole() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["role"] = ["The role is admin, agent or orders."] }, title: "The key is not valid.");

    /// <summary>The tenant of an authenticated tenant key (endpoints require the claim).</summary>
    public static string TenantId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyAuthentication.TenantClaim) ?? throw new InvalidOperationException("The endpoint must require a tenant key.");

    /// <summary>The inbox agent the key is bound to; null for admin keys and unbound agent keys.</summary>
    public static string? AgentId(this ClaimsPrincipal user) => user.FindFirstValue(ApiKeyAuthentication.AgentClaim);
}

/// <summary>A new key's role and, for an agent key, optionally the inbox agent it acts as.</summary>
public sealed record CreateApiKeyRequest(string? Role, string? AgentId = null);

/// <summary>A new key: <see cref="Key"/> is shown this once and cannot be read back.</summary>
public sealed record CreatedApiKey(string Key, ApiKeyInfo Info)
{
    /// <summary>Never the key itself, whatever logs this.</summary>
    public override string ToString() => $"CreatedApiKey({Info.Prefix})";
}
