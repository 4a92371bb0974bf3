using System.Text;
using Functions.Storage;

namespace Functions.CannedResponses;

/// <summary>What became of a write.</summary>
public enum CannedResponseWrite
{
    Done,
    NotFound,
    /// <summary>Another response of the tenant has the shortcut.</summary>
    ShortcutTaken,
    /// <summary>The tenant has <see cref="CannedResponse.MaxPerTenant"/> already.</summary>
    Full,
}

/// <summary>A page of responses in shortcut order; pass <see cref="ContinuationToken"/> back for the next.</summary>
public sealed record CannedResponsePage(IReadOnlyList<CannedResponse> Items, string? ContinuationToken);

/// <summary>A tenant's canned responses. The response row and its id pointer change together, in one partition transaction.</summary>
public sealed class CannedResponseStore(ITableStore tables, TimeProvider time)
{
    private const int MaxAttempts = 12;

    public async Task<(CannedResponseWrite Result, CannedResponse? Response)> CreateAsync(
        string tenantId, string shortcut, string title, string text, string? language, CancellationToken cancellationToken)
    {
        var pointers = await tables.QueryAllAsync(CannedResponse.Table, TableQuery.WithRowKeyPrefix(tenantId, "i:"), cancellationToken);
        if (pointers.Count >= CannedResponse.MaxPerTenant) return (CannedResponseWrite.Full, null);
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var response = new CannedResponse(CannedResponse.NewId(now), shortcut, title, text, language, now, now);
            try
            {
                await tables.SubmitTransactionAsync(CannedResponse.Table,
                [
                    new(TableTransactionActionType.Insert, response.ToEntity(tenantId)),
                    new(TableTransactionActionType.Insert, response.ToPointer(tenantId)),
                ], cancellationToken);
                return (CannedResponseWrite.Done, response);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409 && (ex.FailedIndex == 0 || attempt >= MaxAttempts))
            {
                return (CannedResponseWrite.ShortcutTaken, null);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // The new id clashed with another created in the same tick: draw another.
            }
        }
    }

    public async Task<CannedResponse?> GetAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        await ReadAsync(tenantId, id, cancellationToken) is { } found ? CannedResponse.FromEntity(found.Row) : null;

    /// <summary>The response row and its pointer, or null.</summary>
    private async Task<(TableEntity Row, TableEntity Pointer)?> ReadAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        if (!CannedResponse.IsValidId(id)
            || await tables.GetEntityIfExistsAsync(CannedResponse.Table, tenantId, CannedResponse.PointerRowKey(id), cancellationToken) is not { } pointer
            || pointer.GetString("Shortcut") is not { } shortcut
            || await tables.GetEntityIfExistsAsync(CannedResponse.Table, tenantId, CannedResponse.RowKey(shortcut), cancellationToken) is not { } row
            || row.GetString("Id") != id)
        {
            return null;
        }
        return (row, pointer);
    }

    /// <summary>Replaces every field; a new shortcut moves the row, atomically with its pointer.</summary>
    public async Task<(CannedResponseWrite Result, CannedResponse? Response)> UpdateAsync(
        string tenantId, string id, string shortcut, string title, string text, string? language, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await ReadAsync(tenantId, id, cancellationToken) is not { } found)
            {
                return (CannedResponseWrite.NotFound, null);
            }
            var current = CannedResponse.FromEntity(found.Row);
            var updated = current with { Shortcut = shortcut, Title = title, Text = text, Language = language, UpdatedAt = time.GetUtcNow() };
            IReadOnlyList<TableTransactionAction> actions = shortcut == current.Shortcut
                ? [new(TableTransactionActionType.Replace, updated.ToEntity(tenantId), found.Row.ETag)]
                :
                [
                    new(TableTransactionActionType.Delete, found.Row, found.Row.ETag),
                    new(TableTransactionActionType.Insert, updated.ToEntity(tenantId)),
                    new(TableTransactionActionType.Replace, updated.ToPointer(tenantId), found.Pointer.ETag),
                ];
            try
            {
                await tables.SubmitTransactionAsync(CannedResponse.Table, actions, cancellationToken);
                return (CannedResponseWrite.Done, updated);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                return (CannedResponseWrite.ShortcutTaken, null);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxAttempts)
            {
                await Contention.PauseAsync(attempt, cancellationToken); // changed meanwhile: again on the latest
            }
        }
    }

    public async Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await ReadAsync(tenantId, id, cancellationToken) is not { } found)
            {
                return false;
            }
            try
            {
                await tables.SubmitTransactionAsync(CannedResponse.Table,
                [
                    new(TableTransactionActionType.Delete, found.Row, found.Row.ETag),
                    new(TableTransactionActionType.Delete, found.Pointer, found.Pointer.ETag),
                ], cancellationToken);
                return true;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxAttempts)
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Responses in shortcut order whose shortcut starts with <paramref name="prefix"/> ("/" for
    /// all), holding <paramref name="search"/> and in <paramref name="language"/> when given. The
    /// token is the last shortcut returned, so a page never repeats or skips one while others change.
    /// </summary>
    public async Task<CannedResponsePage> ListAsync(
        string tenantId, string prefix, string? search, string? language, int pageSize, string? after, CancellationToken cancellationToken)
    {
        var range = TableQuery.WithRowKeyPrefix(tenantId, "s:" + prefix[1..]);
        // Just past the last one returned: every longer shortcut with it as a prefix goes on with '-' or higher, above '!'.
        var query = after is null || string.CompareOrdinal("s:" + after[1..] + "!", range.RowKeyFrom) < 0
            ? range with { Top = 200 }
            : range with { RowKeyFrom = "s:" + after[1..] + "!", Top = 200 };
        var items = new List<CannedResponse>();
        string? token = null;
        do
        {
            var page = await tables.QueryAsync(CannedResponse.Table, query, token, cancellationToken);
            foreach (var row in page.Entities)
            {
                var response = CannedResponse.FromEntity(row);
                if ((search is null || response.Matches(search)) && (language is null || response.Language == language))
                {
                    items.Add(response);
                    if (items.Count == pageSize) return new(items, EncodeToken(response.Shortcut));
                }
            }
            token = page.ContinuationToken;
        }
        while (token is not null);
        return new(items, null);
    }

    public static string EncodeToken(string shortcut) => Convert.ToBase64String(Encoding.UTF8.GetBytes(shortcut)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The shortcut a token stands for, or null when it is not a token this store gave.</summary>
    public static string? DecodeToken(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - base64.Length % 4) % 4);
            var shortcut = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            return CannedResponse.NormalizeShortcut(shortcut) == shortcut ? shortcut : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
