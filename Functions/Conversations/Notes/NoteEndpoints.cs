using System.Security.Claims;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Conversations.Notes;

/// <summary>A note as the API takes it.</summary>
public sealed record NoteRequest(string? Text);

/// <summary>A page of notes, newest first; pass <see cref="ContinuationToken"/> back for the next.</summary>
public sealed record NotePage(IReadOnlyList<ConversationNote> Items, string? ContinuationToken);

/// <summary>
/// Internal notes on a conversation for its agents and admins: add, list newest first, read, edit
/// (the author only) and delete (the author, or a tenant admin). Never sent to the customer.
/// </summary>
public static class NoteEndpoints
{
    public static IHostApplicationBuilder AddConversationNotes(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(ConversationNote.Table);
        builder.Services.AddSingleton<ConversationNotes>();
        builder.GetFunctionCatalog()
            .AddHttp("AddConversationNote", "POST", "conversations/{conversationId}/notes", AddNoteAsync, TenantAccess.AdminOrAgent)
            .AddHttp("ListConversationNotes", "GET", "conversations/{conversationId}/notes", ListNotesAsync, TenantAccess.AdminOrAgent)
            .AddHttp("GetConversationNote", "GET", "conversations/{conversationId}/notes/{noteId}", GetNoteAsync, TenantAccess.AdminOrAgent)
            .AddHttp("EditConversationNote", "PUT", "conversations/{conversationId}/notes/{noteId}", EditNoteAsync, TenantAccess.AdminOrAgent)
            .AddHttp("DeleteConversationNote", "DELETE", "conversations/{conversationId}/notes/{noteId}", DeleteNoteAsync, TenantAccess.AdminOrAgent);
        return builder;
    }

    public sealed record NoteServices(ClaimsPrincipal User, ConversationStore Conversations, ConversationNotes Notes);

    public static async Task<Results<Created<ConversationNote>, ValidationProblem, ProblemHttpResult>> AddNoteAsync(
        string conversationId, NoteRequest request, [AsParameters] NoteServices s, CancellationToken cancellationToken)
    {
        if (await s.Conversations.GetAsync(s.User.TenantId(), conversationId, cancellationToken) is null) return ConversationNotFound();
        if (Validate(request) is { } invalid) return invalid;
        var note = await s.Notes.AddAsync(s.User.TenantId(), conversationId, request.Text!, Author(s.User), cancellationToken);
        return TypedResults.Created($"/api/conversations/{conversationId}/notes/{note.Id}", note);
    }

    public static async Task<Results<Ok<NotePage>, ValidationProblem, ProblemHttpResult>> ListNotesAsync(
        string conversationId, [AsParameters] NoteServices s, CancellationToken cancellationToken, int? pageSize = null, string? continuationToken = null)
    {
        if (pageSize is < 1 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["Page size is 1 to 100."] });
        }
        if (await s.Conversations.GetAsync(s.User.TenantId(), conversationId, cancellationToken) is null) return ConversationNotFound();
        try
        {
            var (notes, next) = await s.Notes.ListAsync(s.User.TenantId(), conversationId, pageSize ?? 50, continuationToken, cancellationToken);
            return TypedResults.Ok(new NotePage(notes, next));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    public static async Task<Results<Ok<ConversationNote>, ProblemHttpResult>> GetNoteAsync(
        string conversationId, string noteId, [AsParameters] NoteServices s, CancellationToken cancellationToken)
    {
        if (await s.Conversations.GetAsync(s.User.TenantId(), conversationId, cancellationToken) is null) return ConversationNotFound();
        return await s.Notes.GetAsync(s.User.TenantId(), conversationId, noteId, cancellationToken) is { } note ? TypedResults.Ok(note) : NoteNotFound();
    }

    public static async Task<Results<Ok<ConversationNote>, ValidationProblem, ProblemHttpResult>> EditNoteAsync(
        string conversationId, string noteId, NoteRequest request, [AsParameters] NoteServices s, CancellationToken cancellationToken)
    {
        if (await s.Conversations.GetAsync(s.User.TenantId(), conversationId, cancellationToken) is null) return ConversationNotFound();
        if (Validate(request) is { } invalid) return invalid;
        var (change, note) = await s.Notes.EditAsync(s.User.TenantId(), conversationId, noteId, request.Text!, Author(s.User), cancellationToken);
        return change switch
        {
            NoteChange.Done => TypedResults.Ok(note!),
            NoteChange.NotAuthor => NotAuthor("Only the note's author may edit it."),
            _ => NoteNotFound(),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteNoteAsync(
        string conversationId, string noteId, [AsParameters] NoteServices s, CancellationToken cancellationToken)
    {
        if (await s.Conversations.GetAsync(s.User.TenantId(), conversationId, cancellationToken) is null) return ConversationNotFound();
        var change = await s.Notes.DeleteAsync(s.User.TenantId(), conversationId, noteId, Author(s.User), s.User.IsInRole("admin"), cancellationToken);
        return change switch
        {
            NoteChange.Done => TypedResults.NoContent(),
            NoteChange.NotAuthor => NotAuthor("Only the note's author, or a tenant admin, may delete it."),
            _ => NoteNotFound(),
        };
    }

    private static ValidationProblem? Validate(NoteRequest request) =>
        string.IsNullOrWhiteSpace(request.Text) ? Invalid("A note needs text.")
        : request.Text.Length > ConversationNote.MaxTextLength ? Invalid($"A note is at most {ConversationNote.MaxTextLength:N0} characters.")
        : null;

    private static ValidationProblem Invalid(string reason) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [reason] }, title: "The note is not valid.");

    /// <summary>The note's author: the key it came with, and the agent that key is bound to.</summary>
    private static NoteAuthor Author(ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "", user.FindFirstValue(ClaimTypes.Role) ?? "") { AgentId = user.AgentId() };

    private static ProblemHttpResult NotAuthor(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not the note's author.", detail: detail,
            extensions: new Dictionary<string, object?> { ["code"] = "not_note_author" });

    private static ProblemHttpResult ConversationNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such conversation.", detail: "This tenant has no conversation with that id.");

    private static ProblemHttpResult NoteNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such note.", detail: "This conversation has no note with that id.");
}
