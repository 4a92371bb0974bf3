namespace Functions.Storage;

public static class TableStoreExtensions
{
    /// <summary>
    /// Every row the query matches, following continuation tokens to the end (a page may be short
    /// or empty and still continue). For small sets only: settings, keys, a contact's history.
    /// </summary>
    public static async Task<IReadOnlyList<TableEntity>> QueryAllAsync(this ITableStore tables, string table, TableQuery query, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        string? token = null;
        do
        {
            var page = await tables.QueryAsync(table, query, token, cancellationToken);
            rows.AddRange(page.Entities);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return rows;
    }
}
