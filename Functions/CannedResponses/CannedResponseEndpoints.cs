using System.Security.Claims;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.CannedResponses;

/// <summary>A canned response as the API takes it (create, and update: every field, <c>language</c> null clears it).</summary>
public sealed record CannedResponseRequest(string? Shortcut, string? Title, string? Text, string? Language);

/// <summary>Which conversation to fill a canned response's variables for.</summary>
public sealed record RenderRequest(string? ConversationId);

/// <summary>Canned responses: tenant admins write them, agents and admins read and search them.</summary>
public static class CannedResponseEndpoints
{
    public static IHostApplicationBuilder AddCannedResponses(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(CannedResponse.Table);
        builder.Services.AddSingleton<CannedResponseStore>();
        builder.GetFunctionCatalog()
            .AddHttp("CreateCannedResponse", "POST", "canned-responses", CreateAsync, TenantAccess.Admin)
            .AddHttp("ListCannedResponses", "GET", "canned-responses", ListAsync, TenantAccess.AdminOrAgent)
            .AddHttp("GetCannedResponse", "GET", "canned-responses/{id}", GetAsync, TenantAccess.AdminOrAgent)
            .AddHttp("UpdateCannedResponse", "PUT", "canned-responses/{id}", UpdateAsync, TenantAccess.Admin)
            .AddHttp("DeleteCannedResponse", "DELETE", "canned-responses/{id}", DeleteAsync, TenantAccess.Admin)
            .AddHttp("RenderCannedResponse", "POST", "canned-responses/{id}/render", RenderAsync, TenantAccess.AdminOrAgent);
        return builder;
    }

    public static async Task<Results<Created<CannedResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CannedResponseRequest request, ClaimsPrincipal user, CannedResponseStore store, CancellationToken cancellationToken)
    {
        if (Validate(request, out var shortcut) is { } invalid) return invalid;
        var (result, response) = await store.CreateAsync(user.TenantId(), shortcut, request.Title!.Trim(), request.Text!, request.Language, cancellationToken);
        return result switch
        {
            CannedResponseWrite.Done => TypedResults.Created($"/api/canned-responses/{response!.Id}", response),
            CannedResponseWrite.Full => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many canned responses.",
                detail: $"A tenant has at most {CannedResponse.MaxPerTenant:N0} canned responses; delete some first.",
                extensions: new Dictionary<string, object?> { ["code"] = "canned_responses_full" }),
            _ => ShortcutTaken(shortcut),
        };
    }

    public static async Task<Results<Ok<CannedResponsePage>, ValidationProblem>> ListAsync(
        ClaimsPrincipal user, CannedResponseStore store, CancellationToken cancellationToken,
        string? prefix = null, string? search = null, string? language = null, int? pageSize = null, string? continuationToken = null)
    {
        var errors = new Dictionary<string, string[]>();
        var normalizedPrefix = prefix is null ? "/" : CannedResponse.NormalizePrefix(prefix);
        if (normalizedPrefix is null) errors["prefix"] = ["A prefix is the start of a shortcut: '/' and up to 32 letters, digits, '_' or '-'."];
        if (search is not null && search.Trim().Length is 0 or > 100) errors["search"] = ["The search is 1 to 100 characters."];
        if (language is not null && !TenantValidation.IsLanguageCode(language)) errors["language"] = ["The language is a WhatsApp language code such as en, en_US or sv."];
        if (pageSize is < 1 or > 200) errors["pageSize"] = ["Page size is 1 to 200."];
        string? after = null;
        if (continuationToken is not null && (continuationToken.Length > 100 || (after = CannedResponseStore.DecodeToken(continuationToken)) is null))
        {
            errors["continuationToken"] = ["The continuation token is not one this API gave."];
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The search is not valid.");
        return TypedResults.Ok(await store.ListAsync(user.TenantId(), normalizedPrefix!, search?.Trim(), language, pageSize ?? 50, after, cancellationToken));
    }

    public static async Task<Results<Ok<CannedResponse>, ProblemHttpResult>> GetAsync(
        string id, ClaimsPrincipal user, CannedResponseStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(user.TenantId(), id, cancellationToken) is { } response ? TypedResults.Ok(response) : NotFound();

    public static async Task<Results<Ok<CannedResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, CannedResponseRequest request, ClaimsPrincipal user, CannedResponseStore store, CancellationToken cancellationToken)
    {
        if (Validate(request, out var shortcut) is { } invalid) return invalid;
        var (result, response) = await store.UpdateAsync(user.TenantId(), id, shortcut, request.Title!.Trim(), request.Text!, request.Language, cancellationToken);
        return result switch
        {
            CannedResponseWrite.Done => TypedResults.Ok(response!),
            CannedResponseWrite.ShortcutTaken => ShortcutTaken(shortcut),
            _ => NotFound(),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, ClaimsPrincipal user, CannedResponseStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(user.TenantId(), id, cancellationToken) ? TypedResults.NoContent() : NotFound();

    /// <summary>The response's text with its variables filled in for a conversation's contact, ready to send or edit.</summary>
    public static async Task<Results<Ok<RenderedCannedResponse>, ValidationProblem, ProblemHttpResult>> RenderAsync(
        string id, RenderRequest request, ClaimsPrincipal user, CannedResponseStore store, ConversationStore conversations, ContactBook contacts,
        TenantDirectory tenants, CancellationToken cancellationToken)
    {
        if (!Conversation.IsValidId(request.ConversationId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["conversationId"] = ["The conversation's id (cv…) is required."] });
        }
        if (await store.GetAsync(user.TenantId(), id, cancellationToken) is not { } response) return NotFound();
        if (await conversations.GetAsync(user.TenantId(), request.ConversationId!, cancellationToken) is not { } conversation
            || await tenants.FindAsync(user.TenantId(), cancellationToken) is not { } tenant)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such conversation.", detail: "This tenant has no conversation with that id.");
        }
        var contact = await contacts.FindAsync(tenant.Id, conversation.ContactPhone, cancellationToken);
        return TypedResults.Ok(CannedResponseVariables.Render(response.Text,
            new CannedResponseContext(contact?.Name ?? contact?.ProfileName, conversation.ContactPhone, tenant.Name)));
    }

    private static ValidationProblem? Validate(CannedResponseRequest request, out string shortcut)
    {
        var errors = new Dictionary<string, string[]>();
        shortcut = CannedResponse.NormalizeShortcut(request.Shortcut) ?? "";
        if (shortcut.Length == 0)
        {
            errors["shortcut"] = ["A shortcut is '/' and 1 to 32 letters, digits, '_' or '-', starting with a letter or digit (such as /thanks); it is kept in lower case."];
        }
        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Trim().Length > CannedResponse.MaxTitleLength || request.Title.Any(char.IsControl))
        {
            errors["title"] = [$"The title is 1 to {CannedResponse.MaxTitleLength} characters, no control characters."];
        }
        if (string.IsNullOrWhiteSpace(request.Text))
        {
            errors["text"] = ["The text is required."];
        }
        else if (request.Text.Length > CannedResponse.MaxTextLength)
        {
            errors["text"] = [$"The text is at most {CannedResponse.MaxTextLength:N0} characters (WhatsApp's limit for a text message)."];
        }
        else if (CannedResponseVariables.Problem(request.Text) is { } variables)
        {
            errors["text"] = [variables];
        }
        if (request.Language is not null && !TenantValidation.IsLanguageCode(request.Language))
        {
            errors["language"] = ["The language is a WhatsApp language code such as en, en_US or sv (or leave it out)."];
        }
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors, title: "The canned response is not valid.") : null;
    }

    private static ProblemHttpResult ShortcutTaken(string shortcut) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The shortcut is taken.",
            detail: $"Another canned response of this tenant has the shortcut {shortcut}.",
            extensions: new Dictionary<string, object?> { ["code"] = "shortcut_taken" });

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such canned response.", detail: "This tenant has no canned response with that id.");
}
