using Azure;
using Functions.Storage;

namespace Functions.Tests.TestSupport;

/// <summary>
/// A real table store with hooks in front: run something just before the next transaction (a
/// concurrent change), or fail the next insert into a table (a crash between two writes).
/// </summary>
public sealed class InterceptingTableStore(ITableStore inner) : ITableStore
{
    public Func<Task>? BeforeNextTransaction { get; set; }
    public string? FailNextInsertInto { get; set; }

    /// <summary>Every read of this table fails as an unavailable service does.</summary>
    public string? FailReadsFrom { get; set; }

    public string Kind => inner.Kind;

    public Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default) => inner.CreateTableIfNotExistsAsync(table, cancellationToken);
    public Task<TableEntity?> GetEntityIfExistsAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken = default) =>
        FailReadsFrom == table
            ? throw new RequestFailedException(503, "Simulated outage.", "ServerBusy", null)
            : inner.GetEntityIfExistsAsync(table, partitionKey, rowKey, cancellationToken);

    public Task<ETag> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default)
    {
        if (FailNextInsertInto == table)
        {
            FailNextInsertInto = null;
            throw new RequestFailedException(503, "Simulated crash before this write.", "ServerBusy", null);
        }
        return inner.InsertAsync(table, entity, cancellationToken);
    }

    public Task<ETag> ReplaceAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) => inner.ReplaceAsync(table, entity, ifMatch, cancellationToken);
    public Task<ETag> MergeAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) => inner.MergeAsync(table, entity, ifMatch, cancellationToken);
    public Task<ETag> UpsertAsync(string table, TableEntity entity, TableUpsertMode mode = TableUpsertMode.Replace, CancellationToken cancellationToken = default) => inner.UpsertAsync(table, entity, mode, cancellationToken);
    public Task DeleteAsync(string table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default) => inner.DeleteAsync(table, partitionKey, rowKey, ifMatch, cancellationToken);
    public Task<TablePage> QueryAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default) => inner.QueryAsync(table, query, continuationToken, cancellationToken);

    public async Task<IReadOnlyList<ETag>> SubmitTransactionAsync(string table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        if (BeforeNextTransaction is { } before)
        {
            BeforeNextTransaction = null;
            await before();
        }
        return await inner.SubmitTransactionAsync(table, actions, cancellationToken);
    }
}
