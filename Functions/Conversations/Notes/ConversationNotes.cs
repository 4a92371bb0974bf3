using Azure;
using Functions.Storage;

namespace Functions.Conversations.Notes;

/// <summary>What became of a change to a note.</summary>
public enum NoteChange
{
    Done,
    NotFound,
    /// <summary>Someone other than its author (or, for a delete, a tenant admin) tried.</summary>
    NotAuthor,
}

/// <summary>A conversation's internal notes: add, page newest first, edit and delete (by their author).</summary>
public sealed class ConversationNotes(ITableStore tables, TimeProvider time)
{
    private const int MaxAttempts = 12;

    public async Task<ConversationNote> AddAsync(string tenantId, string conversationId, string text, NoteAuthor author, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var note = new ConversationNote(ConversationNote.NewId(now), conversationId, text, author, now, null);
            try
            {
                await tables.InsertAsync(ConversationNote.Table, note.ToEntity(tenantId), cancellationToken);
                return note;
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && StorageErrorCodes.IsConflict(ex))
            {
                // Another note got the same id in the same tick: draw another.
            }
        }
    }

    public async Task<ConversationNote?> GetAsync(string tenantId, string conversationId, string noteId, CancellationToken cancellationToken) =>
        ConversationNote.IsValidId(noteId)
        && await tables.GetEntityIfExistsAsync(ConversationNote.Table, ConversationNote.Partition(tenantId, conversationId), noteId, cancellationToken) is { } row
            ? ConversationNote.FromEntity(row, conversationId)
            : null;

    /// <summary>A page of notes, newest first. A token this store did not give is an <see cref="ArgumentException"/>.</summary>
    public async Task<(IReadOnlyList<ConversationNote> Notes, string? ContinuationToken)> ListAsync(
        string tenantId, string conversationId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await tables.QueryAsync(ConversationNote.Table,
            new TableQuery(ConversationNote.Partition(tenantId, conversationId)) { Top = pageSize }, continuationToken, cancellationToken);
        return (page.Entities.Select(e => ConversationNote.FromEntity(e, conversationId)).ToList(), page.ContinuationToken);
    }

    /// <summary>Replaces the note's text; only its author may (see <see cref="NoteAuthor.IsSameAs"/>).</summary>
    public async Task<(NoteChange Change, ConversationNote? Note)> EditAsync(
        string tenantId, string conversationId, string noteId, string text, NoteAuthor editor, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!ConversationNote.IsValidId(noteId)
                || await tables.GetEntityIfExistsAsync(ConversationNote.Table, ConversationNote.Partition(tenantId, conversationId), noteId, cancellationToken) is not { } row)
            {
                return (NoteChange.NotFound, null);
            }
            var note = ConversationNote.FromEntity(row, conversationId);
            if (!note.Author.IsSameAs(editor))
            {
                return (NoteChange.NotAuthor, note);
            }
            var edited = note with { Text = text, EditedAt = time.GetUtcNow() };
            try
            {
                await tables.ReplaceAsync(ConversationNote.Table, edited.ToEntity(tenantId), row.ETag, cancellationToken);
                return (NoteChange.Done, edited);
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && StorageErrorCodes.IsPreconditionFailed(ex))
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
            catch (RequestFailedException ex) when (StorageErrorCodes.IsNotFound(ex))
            {
                return (NoteChange.NotFound, null); // deleted meanwhile
            }
        }
    }

    /// <summary>Deletes the note: its author may, and a tenant admin (<paramref name="anyAuthor"/>) may delete anyone's.</summary>
    public async Task<NoteChange> DeleteAsync(
        string tenantId, string conversationId, string noteId, NoteAuthor deleter, bool anyAuthor, CancellationToken cancellationToken)
    {
        if (!ConversationNote.IsValidId(noteId)
            || await tables.GetEntityIfExistsAsync(ConversationNote.Table, ConversationNote.Partition(tenantId, conversationId), noteId, cancellationToken) is not { } row)
        {
            return NoteChange.NotFound;
        }
        if (!anyAuthor && !ConversationNote.FromEntity(row, conversationId).Author.IsSameAs(deleter))
        {
            return NoteChange.NotAuthor;
        }
        try
        {
            // The author never changes, so any version of the row may go.
            await tables.DeleteAsync(ConversationNote.Table, row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsNotFound(ex))
        {
            // Deleted by a concurrent request: the same outcome.
        }
        return NoteChange.Done;
    }
}
