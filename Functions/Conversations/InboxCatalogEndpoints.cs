using System.Security.Claims;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Conversations;

/// <summary>
/// The tenant's inbox setup: its agents (admins manage them; agents may list them), the tag
/// catalog (name and colour), and the round-robin switch.
/// </summary>
public static class InboxCatalogEndpoints
{
    public static FunctionCatalog AddInboxCatalogFunctions(this FunctionCatalog catalog)
    {
        return catalog
            .AddHttp("ListAgents", "GET", "agents", ListAgentsAsync, TenantAccess.AdminOrAgent)
            .AddHttp("AddAgent", "POST", "agents", AddAgentAsync, TenantAccess.Admin)
            .AddHttp("UpdateAgent", "PATCH", "agents/{agentId}", UpdateAgentAsync, TenantAccess.Admin)
            .AddHttp("RemoveAgent", "DELETE", "agents/{agentId}", RemoveAgentAsync, TenantAccess.Admin)
            .AddHttp("GetInboxSettings", "GET", "inbox/settings", GetSettingsAsync, TenantAccess.AdminOrAgent)
            .AddHttp("SetInboxSettings", "PUT", "inbox/settings", SetSettingsAsync, TenantAccess.Admin)
            .AddHttp("ListTags", "GET", "tags", ListTagsAsync, TenantAccess.AdminOrAgent)
            .AddHttp("CreateTag", "POST", "tags", CreateTagAsync, TenantAccess.Admin)
            .AddHttp("UpdateTag", "PATCH", "tags/{tagId}", UpdateTagAsync, TenantAccess.Admin)
            .AddHttp("DeleteTag", "DELETE", "tags/{tagId}", DeleteTagAsync, TenantAccess.Admin);
    }

    public static async Task<Ok<IReadOnlyList<InboxAgent>>> ListAgentsAsync(ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken) =>
        TypedResults.Ok(await inbox.ListAgentsAsync(user.TenantId(), cancellationToken));

    public static async Task<Results<Created<InboxAgent>, ValidationProblem>> AddAgentAsync(
        AgentRequest request, ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = CheckName(request.Name, "name", InboxAgent.MaxName, required: true, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The agent is not valid.");
        return await inbox.AddAgentAsync(user.TenantId(), name!, request.Available ?? true, cancellationToken) is { } agent
            ? TypedResults.Created($"/api/agents/{agent.Id}", agent)
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [$"A tenant has at most {InboxCatalog.MaxAgents} agents."] }, title: "Too many agents.");
    }

    public static async Task<Results<Ok<InboxAgent>, ValidationProblem, ProblemHttpResult>> UpdateAgentAsync(
        string agentId, AgentRequest request, ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = CheckName(request.Name, "name", InboxAgent.MaxName, required: false, errors);
        if (request.Name is null && request.Available is null) errors["name"] = ["Send a new name, available, or both."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The change is not valid.");
        return await inbox.UpdateAgentAsync(user.TenantId(), agentId, name, request.Available, cancellationToken) is { } agent
            ? TypedResults.Ok(agent)
            : NoSuchAgent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveAgentAsync(
        string agentId, ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken) =>
        await inbox.RemoveAgentAsync(user.TenantId(), agentId, cancellationToken) ? TypedResults.NoContent() : NoSuchAgent();

    public static async Task<Ok<InboxSettings>> GetSettingsAsync(ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken) =>
        TypedResults.Ok(await inbox.GetSettingsAsync(user.TenantId(), cancellationToken));

    public static async Task<Results<Ok<InboxSettings>, ValidationProblem>> SetSettingsAsync(
        InboxSettingsRequest request, ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken) =>
        request.RoundRobin is { } roundRobin
            ? TypedResults.Ok(await inbox.SetSettingsAsync(user.TenantId(), new InboxSettings(roundRobin), cancellationToken))
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["roundRobin"] = ["roundRobin is true or false."] }, title: "The settings are not valid.");

    public static async Task<Ok<IReadOnlyList<InboxTag>>> ListTagsAsync(ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken) =>
        TypedResults.Ok(await inbox.ListTagsAsync(user.TenantId(), cancellationToken));

    public static async Task<Results<Created<InboxTag>, ValidationProblem, ProblemHttpResult>> CreateTagAsync(
        TagRequest request, ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = CheckName(request.Name, "name", InboxTag.MaxName, required: true, errors);
        if (!InboxTag.IsValidColor(request.Color)) errors["color"] = ["color is a hex colour like #1e88e5."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The tag is not valid.");
        var (tag, refusal) = await inbox.CreateTagAsync(user.TenantId(), name!, request.Color!.ToLowerInvariant(), cancellationToken);
        return tag is not null ? TypedResults.Created($"/api/tags/{tag.Id}", tag) : Refused(refusal);
    }

    public static async Task<Results<Ok<InboxTag>, ValidationProblem, ProblemHttpResult>> UpdateTagAsync(
        string tagId, TagRequest request, ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = CheckName(request.Name, "name", InboxTag.MaxName, required: false, errors);
        if (request.Color is not null && !InboxTag.IsValidColor(request.Color)) errors["color"] = ["color is a hex colour like #1e88e5."];
        if (request.Name is null && request.Color is null) errors["name"] = ["Send a new name, color, or both."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The change is not valid.");
        var (tag, refusal) = await inbox.UpdateTagAsync(user.TenantId(), tagId, name, request.Color?.ToLowerInvariant(), cancellationToken);
        return tag is not null ? TypedResults.Ok(tag) : Refused(refusal);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteTagAsync(
        string tagId, ClaimsPrincipal user, InboxCatalog inbox, CancellationToken cancellationToken) =>
        await inbox.DeleteTagAsync(user.TenantId(), tagId, cancellationToken) ? TypedResults.NoContent() : NoSuchTag();

    private static string? CheckName(string? value, string field, int max, bool required, Dictionary<string, string[]> errors)
    {
        var name = value?.Trim();
        if (name is null ? required : name.Length == 0 || name.Length > max || name.Any(char.IsControl))
        {
            errors[field] = [$"{field} is 1 to {max} characters, no control characters."];
        }
        return name;
    }

    private static ProblemHttpResult Refused(TagRefusal refusal) => refusal switch
    {
        TagRefusal.NameTaken => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The tag name is taken.", detail: "This tenant has a tag with that name already (names ignore case)."),
        TagRefusal.CatalogFull => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The tag catalog is full.", detail: $"A tenant has at most {InboxCatalog.MaxTags} tags."),
        _ => NoSuchTag(),
    };

    private static ProblemHttpResult NoSuchAgent() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such agent.", detail: "This tenant has no agent with that id.");

    private static ProblemHttpResult NoSuchTag() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such tag.", detail: "This tenant has no tag with that id.");
}

public sealed record AgentRequest(string? Name, bool? Available);

public sealed record TagRequest(string? Name, string? Color);

public sealed record InboxSettingsRequest(bool? RoundRobin);
