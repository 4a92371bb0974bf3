using Azure;

namespace Functions.Storage;

/// <summary>
/// Table Storage as the app uses it. Two implementations: <see cref="InMemory.InMemoryTableStore"/>
/// and <see cref="AzureStorage.TableStorageClient"/>; one contract test suite runs against both.
/// Failures are <see cref="RequestFailedException"/>s with the service's status and error code
/// (see <see cref="StorageErrorCodes"/>); invalid arguments are <see cref="ArgumentException"/>s.
/// </summary>
public interface ITableStore
{
    /// <summary>"in-memory" or "azure", for health output and logs.</summary>
    string Kind { get; }

    Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>The row, or null when it does not exist (an expected 404 is not an exception).</summary>
    Task<TableEntity?> GetEntityIfExistsAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken = default);

    /// <summary>Inserts a new row; 409 <c>EntityAlreadyExists</c> if it exists. Returns the new ETag.</summary>
    Task<ETag> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default);

    /// <summary>Replaces a row if its ETag matches (<see cref="ETag.All"/>: any); 412 on mismatch, 404 if missing.</summary>
    Task<ETag> ReplaceAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default);

    /// <summary>Merges properties into a row if its ETag matches (<see cref="ETag.All"/>: any); 412 on mismatch, 404 if missing.</summary>
    Task<ETag> MergeAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces (or merges), unconditionally.</summary>
    Task<ETag> UpsertAsync(string table, TableEntity entity, TableUpsertMode mode = TableUpsertMode.Replace, CancellationToken cancellationToken = default);

    /// <summary>Deletes a row if its ETag matches (<see cref="ETag.All"/>: any); 412 on mismatch, 404 if missing.</summary>
    Task DeleteAsync(string table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default);

    /// <summary>One page of rows from one partition, in RowKey order.</summary>
    Task<TablePage> QueryAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to 100 operations on one partition, all or nothing. Returns the new ETag of each
    /// operation in order (<c>default</c> for deletes). A failure throws
    /// <see cref="TableTransactionFailedException"/> naming the failing operation.
    /// </summary>
    Task<IReadOnlyList<ETag>> SubmitTransactionAsync(string table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default);
}

public enum TableUpsertMode
{
    Replace,
    Merge,
}
