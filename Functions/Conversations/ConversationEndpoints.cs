using System.Security.Claims;
using Functions.Contacts;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Conversations;

/// <summary>
/// The inbox for agents' front ends: the list (filters, search, paging that holds still while
/// messages arrive), a conversation with its contact and newest messages, and the actions on it:
/// assign, status, tags, mark read, service-request link. Every route is the caller's tenant
/// only: another tenant's conversation is "not found".
/// </summary>
public static class ConversationEndpoints
{
    public const int MaxSearch = 100;
    public const int MaxServiceRequestId = 100;
    public const int MaxServiceRequestType = 50;
    public const int MaxUrl = 2000;

    public static FunctionCatalog AddConversationFunctions(this FunctionCatalog catalog)
    {
        return catalog
            .AddHttp("ListConversations", "GET", "conversations", ListConversationsAsync, TenantAccess.AdminOrAgent)
            .AddHttp("GetConversation", "GET", "conversations/{conversationId}", GetConversationAsync, TenantAccess.AdminOrAgent)
            .AddHttp("ListConversationMessages", "GET", "conversations/{conversationId}/messages", ListMessagesAsync, TenantAccess.AdminOrAgent)
            .AddHttp("AssignConversation", "PUT", "conversations/{conversationId}/assignment", AssignAsync, TenantAccess.AdminOrAgent)
            .AddHttp("UnassignConversation", "DELETE", "conversations/{conversationId}/assignment", UnassignAsync, TenantAccess.AdminOrAgent)
            .AddHttp("SetConversationStatus", "PUT", "conversations/{conversationId}/status", SetStatusAsync, TenantAccess.AdminOrAgent)
            .AddHttp("TagConversation", "PUT", "conversations/{conversationId}/tags/{tagId}", TagAsync, TenantAccess.AdminOrAgent)
            .AddHttp("UntagConversation", "DELETE", "conversations/{conversationId}/tags/{tagId}", UntagAsync, TenantAccess.AdminOrAgent)
            .AddHttp("MarkConversationRead", "POST", "conversations/{conversationId}/read", MarkReadAsync, TenantAccess.AdminOrAgent)
            .AddHttp("LinkServiceRequest", "PUT", "conversations/{conversationId}/service-request", LinkServiceRequestAsync, TenantAccess.AdminOrAgent)
            .AddHttp("UnlinkServiceRequest", "DELETE", "conversations/{conversationId}/service-request", UnlinkServiceRequestAsync, TenantAccess.AdminOrAgent);
    }

    /// <summary>What the inbox endpoints need, bundled to keep signatures short.</summary>
    public sealed record InboxServices(ClaimsPrincipal User, ConversationStore Conversations, InboxCatalog Catalog, InboxActions Actions, TimeProvider Time)
    {
        public string Tenant => User.TenantId();

        public async Task<ConversationView> ViewAsync(Conversation c, CancellationToken cancellationToken) =>
            ConversationView.Of(c, Time.GetUtcNow(), await InboxNames.LoadAsync(Catalog, Tenant, cancellationToken));
    }

    /// <summary>The list's query string, as strings: each is parsed here so a bad one gets a 400 naming it.</summary>
    public sealed record ListQuery(
        string? Status = null, string? AssignedTo = null, string? Tag = null, string? Unread = null, string? Window = null,
        string? ClosingWithin = null, string? Sender = null, string? ServiceRequest = null, string? Q = null,
        int? PageSize = null, string? ContinuationToken = null);

    public static async Task<Results<Ok<ConversationPage>, ValidationProblem>> ListConversationsAsync(
        [AsParameters] ListQuery query, [AsParameters] InboxServices s, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = new InboxFilter();
        if (query.Status is { } status)
        {
            var statuses = new List<ConversationStatus>();
            foreach (var part in status.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.Equals("all", StringComparison.OrdinalIgnoreCase)) statuses.AddRange(Enum.GetValues<ConversationStatus>());
                else if (TryParseStatus(part, out var one)) statuses.Add(one);
                else { errors["status"] = ["The status is active, archived, closed (several comma-separated), or all."]; break; }
            }
            if (statuses.Count == 0) errors.TryAdd("status", ["The status is active, archived, closed (several comma-separated), or all."]);
            filter = filter with { Statuses = [.. statuses.Distinct()] };
        }
        switch (query.AssignedTo)
        {
            case null:
                break;
            case "unassigned":
                filter = filter with { AssignedAgentId = "" };
                break;
            case "me":
                if (s.User.AgentId() is { } me) filter = filter with { AssignedAgentId = me };
                else errors["assignedTo"] = ["'me' needs an agent key bound to an agent (POST /api/keys with role agent and agentId); this key is not."];
                break;
            default:
                if (InboxAgent.IsValidId(query.AssignedTo)) filter = filter with { AssignedAgentId = query.AssignedTo };
                else errors["assignedTo"] = ["assignedTo is an agent id, 'me' or 'unassigned'."];
                break;
        }
        if (query.Tag is { } tag)
        {
            if (await s.Catalog.FindTagAsync(s.Tenant, tag, cancellationToken) is null) errors["tag"] = ["This tenant has no tag with that id (see GET /api/tags)."];
            else filter = filter with { TagId = tag };
        }
        if (query.Unread is { } unread)
        {
            if (bool.TryParse(unread, out var only)) filter = filter with { UnreadOnly = only };
            else errors["unread"] = ["unread is true or false."];
        }
        if (query.Window is { } window)
        {
            if (window.Equals("open", StringComparison.OrdinalIgnoreCase)) filter = filter with { WindowOpen = true };
            else if (window.Equals("closed", StringComparison.OrdinalIgnoreCase)) filter = filter with { WindowOpen = false };
            else errors["window"] = ["window is open or closed."];
        }
        if (query.ClosingWithin is { } closing)
        {
            if (!int.TryParse(closing, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minutes) || minutes is < 1 or > 1440)
                errors["closingWithin"] = ["closingWithin is a number of minutes, 1 to 1440."];
            else if (filter.WindowOpen == false)
                errors["closingWithin"] = ["closingWithin lists open windows; it cannot go with window=closed."];
            else filter = filter with { ClosingWithinMinutes = minutes };
        }
        if (query.Sender is { } sender)
        {
            if (sender.Length is 0 or > 64) errors["sender"] = ["sender is the tenant's sender id (up to 64 characters)."];
            else filter = filter with { Sender = sender };
        }
        if (query.ServiceRequest is { } request)
        {
            if (request.Length is 0 or > MaxServiceRequestId) errors["serviceRequest"] = [$"serviceRequest is an external id of 1 to {MaxServiceRequestId} characters."];
            else filter = filter with { ServiceRequestId = request };
        }
        if (query.Q is { } q)
        {
            if (q.Trim().Length is 0 or > MaxSearch) errors["q"] = [$"The search text is 1 to {MaxSearch} characters."];
            else filter = filter with { Search = q.Trim() };
        }
        if (query.PageSize is < 1 or > 100) errors["pageSize"] = ["Page size is 1 to 100."];
        if (query.ContinuationToken?.Length > 400) errors["continuationToken"] = ["The continuation token is not one this API gave."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The list's filters are not valid.");

        InboxPage page;
        try
        {
            page = await s.Conversations.ListAsync(s.Tenant, filter, query.PageSize ?? 50, query.ContinuationToken, cancellationToken);
        }
        catch (InboxTokenException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = [ex.Message.Split(" (Parameter")[0]] });
        }
        var names = await InboxNames.LoadAsync(s.Catalog, s.Tenant, cancellationToken);
        var now = s.Time.GetUtcNow();
        return TypedResults.Ok(new ConversationPage([.. page.Items.Select(c => ConversationView.Of(c, now, names))], page.ContinuationToken));
    }

    public static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> GetConversationAsync(
        string conversationId, [AsParameters] InboxServices s, ContactBook contacts, CancellationToken cancellationToken)
    {
        if (await s.Conversations.GetAsync(s.Tenant, conversationId, cancellationToken) is not { } conversation)
        {
            return NotFound();
        }
        var (messages, next) = await s.Conversations.ListMessagesAsync(s.Tenant, conversationId, 20, null, cancellationToken);
        return TypedResults.Ok(await s.ViewAsync(conversation, cancellationToken) with
        {
            Contact = await contacts.FindAsync(s.Tenant, conversation.ContactPhone, cancellationToken),
            Messages = new MessagePage([.. messages.Select(m => MessageView.Of(m))], next),
        });
    }

    public static async Task<Results<Ok<MessagePage>, ValidationProblem, ProblemHttpResult>> ListMessagesAsync(
        string conversationId, ClaimsPrincipal user, ConversationStore conversations, CancellationToken cancellationToken,
        int? pageSize = null, string? continuationToken = null)
    {
        if (pageSize is < 1 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["Page size is 1 to 100."] });
        }
        if (await conversations.GetAsync(user.TenantId(), conversationId, cancellationToken) is null)
        {
            return NotFound();
        }
        try
        {
            var (messages, next) = await conversations.ListMessagesAsync(user.TenantId(), conversationId, pageSize ?? 50, continuationToken, cancellationToken);
            return TypedResults.Ok(new MessagePage([.. messages.Select(m => MessageView.Of(m))], next));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    public static async Task<Results<Ok<ConversationView>, ValidationProblem, ProblemHttpResult>> AssignAsync(
        string conversationId, AssignRequest request, [AsParameters] InboxServices s, CancellationToken cancellationToken)
    {
        var agentId = request.AgentId == "me" ? s.User.AgentId() : request.AgentId;
        var problem = request.AgentId is null ? "agentId is an agent's id, or 'me'."
            : agentId is null ? "'me' needs an agent key bound to an agent (POST /api/keys with role agent and agentId); this key is not."
            : await s.Catalog.FindAgentAsync(s.Tenant, agentId, cancellationToken) is null ? "This tenant has no agent with that id (see GET /api/agents)."
            : null;
        if (problem is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["agentId"] = [problem] }, title: "The assignment is not valid.");
        }
        return await s.Actions.AssignAsync(s.Tenant, conversationId, agentId, cancellationToken) is { } assigned
            ? TypedResults.Ok(await s.ViewAsync(assigned, cancellationToken))
            : NotFound();
    }

    public static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> UnassignAsync(
        string conversationId, [AsParameters] InboxServices s, CancellationToken cancellationToken) =>
        await s.Actions.AssignAsync(s.Tenant, conversationId, null, cancellationToken) is { } unassigned
            ? TypedResults.Ok(await s.ViewAsync(unassigned, cancellationToken))
            : NotFound();

    public static async Task<Results<Ok<ConversationView>, ValidationProblem, ProblemHttpResult>> SetStatusAsync(
        string conversationId, StatusRequest request, [AsParameters] InboxServices s, CancellationToken cancellationToken)
    {
        if (!TryParseStatus(request.Status, out var status))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["The status is active, archived or closed."] }, title: "The status is not valid.");
        }
        var (conversation, refused) = await s.Actions.SetStatusAsync(s.Tenant, conversationId, status, cancellationToken);
        if (conversation is null)
        {
            return NotFound();
        }
        return refused
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The conversation is closed.",
                detail: "Closed is final: the customer's next message starts a new conversation.")
            : TypedResults.Ok(await s.ViewAsync(conversation, cancellationToken));
    }

    public static async Task<Results<Ok<ConversationView>, ValidationProblem, ProblemHttpResult>> TagAsync(
        string conversationId, string tagId, [AsParameters] InboxServices s, CancellationToken cancellationToken)
    {
        if (await s.Catalog.FindTagAsync(s.Tenant, tagId, cancellationToken) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such tag.", detail: "This tenant has no tag with that id (see GET /api/tags).");
        }
        // Tags deleted from the catalog since stay on conversations (they are not shown): they do not count, and go now.
        var catalog = (await s.Catalog.ListTagsAsync(s.Tenant, cancellationToken)).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var full = false;
        var tagged = await s.Conversations.UpdateAsync(s.Tenant, conversationId, c =>
        {
            var kept = c.Tags.Where(t => catalog.Contains(t) || t == tagId).ToList();
            full = !kept.Contains(tagId) && kept.Count >= Conversation.MaxTags;
            return c.Tags.Contains(tagId) || full ? null : c with { Tags = [.. kept, tagId] };
        }, cancellationToken);
        if (tagged is null) return NotFound();
        if (full)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["tagId"] = [$"A conversation has at most {Conversation.MaxTags} tags."] }, title: "Too many tags.");
        }
        return TypedResults.Ok(await s.ViewAsync(tagged, cancellationToken));
    }

    public static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> UntagAsync(
        string conversationId, string tagId, [AsParameters] InboxServices s, CancellationToken cancellationToken) =>
        // Also for a tag deleted from the catalog since: its id may still sit on the conversation.
        await s.Conversations.UpdateAsync(s.Tenant, conversationId, c => c.Tags.Contains(tagId) ? c with { Tags = [.. c.Tags.Where(t => t != tagId)] } : null, cancellationToken) is { } untagged
            ? TypedResults.Ok(await s.ViewAsync(untagged, cancellationToken))
            : NotFound();

    public static async Task<Results<Ok<MarkReadView>, ProblemHttpResult>> MarkReadAsync(
        string conversationId, [AsParameters] InboxServices s, CancellationToken cancellationToken) =>
        await s.Actions.MarkReadAsync(s.Tenant, conversationId, cancellationToken) is { } result
            ? TypedResults.Ok(new MarkReadView(await s.ViewAsync(result.Conversation, cancellationToken), result.ReadReceipt, result.Detail))
            : NotFound();

    public static async Task<Results<Ok<ConversationView>, ValidationProblem, ProblemHttpResult>> LinkServiceRequestAsync(
        string conversationId, ServiceRequestLinkRequest request, [AsParameters] InboxServices s, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.ExternalId?.Trim() is not { Length: > 0 and <= MaxServiceRequestId } externalId || externalId.Any(char.IsControl))
            errors["externalId"] = [$"externalId is the request's id in your system, 1 to {MaxServiceRequestId} characters."];
        if (request.Type?.Trim() is not { Length: > 0 and <= MaxServiceRequestType } type || type.Any(char.IsControl))
            errors["type"] = [$"type is the kind of request, 1 to {MaxServiceRequestType} characters."];
        // Uri.TryCreate passes (and would leave stored) surrounding spaces and control characters such as CR/LF.
        var url = request.Url?.Trim();
        if (url is not null && (url.Length > MaxUrl || url.Any(char.IsControl) || !Uri.TryCreate(url, UriKind.Absolute, out var parsed)
            || parsed.Scheme is not ("https" or "http") || string.IsNullOrEmpty(parsed.Host) || !string.IsNullOrEmpty(parsed.UserInfo)))
            errors["url"] = [$"url is an absolute http(s) link to the request, without user info, up to {MaxUrl} characters."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The service request link is not valid.");

        var link = new ServiceRequestLink(request.ExternalId!.Trim(), request.Type!.Trim(), url);
        return await s.Conversations.UpdateAsync(s.Tenant, conversationId, c => c.ServiceRequest == link ? null : c with { ServiceRequest = link }, cancellationToken) is { } linked
            ? TypedResults.Ok(await s.ViewAsync(linked, cancellationToken))
            : NotFound();
    }

    public static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> UnlinkServiceRequestAsync(
        string conversationId, [AsParameters] InboxServices s, CancellationToken cancellationToken) =>
        await s.Conversations.UpdateAsync(s.Tenant, conversationId, c => c.ServiceRequest is null ? null : c with { ServiceRequest = null }, cancellationToken) is { } unlinked
            ? TypedResults.Ok(await s.ViewAsync(unlinked, cancellationToken))
            : NotFound();

    private static bool TryParseStatus(string? text, out ConversationStatus status)
    {
        // Names only: Enum.TryParse would also take numbers.
        ConversationStatus? known = text?.ToLowerInvariant() switch
        {
            "active" => ConversationStatus.Active,
            "archived" => ConversationStatus.Archived,
            "closed" => ConversationStatus.Closed,
            _ => null,
        };
        status = known ?? default;
        return known is not null;
    }

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such conversation.", detail: "This tenant has no conversation with that id.");
}

public sealed record AssignRequest(string? AgentId);

public sealed record StatusRequest(string? Status);

public sealed record ServiceRequestLinkRequest(string? ExternalId, string? Type, string? Url);

/// <summary>The conversation after a mark-read, and how its read receipt went.</summary>
public sealed record MarkReadView(ConversationView Conversation, ReadReceiptOutcome ReadReceipt, string? Detail);
