using System.Collections.Concurrent;
using System.Globalization;
using Azure;

namespace Functions.Storage.InMemory;

/// <summary>
/// Table Storage in process memory, with the service's semantics: tables must exist, inserts
/// conflict, writes check ETags, a transaction is one partition and all or nothing, queries
/// return rows in RowKey order in pages. Rows are copied in and out, so callers never share
/// state with the store. Thread-safe; one lock per table keeps transactions atomic.
/// </summary>
public sealed class InMemoryTableStore(TimeProvider time) : ITableStore
{
    private readonly ConcurrentDictionary<string, MemoryTable> _tables = new(StringComparer.OrdinalIgnoreCase);
    private long _version;

    public string Kind => "in-memory";

    public Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateTableName(table);
        _tables.TryAdd(table, new MemoryTable());
        return Task.CompletedTask;
    }

    public Task<TableEntity?> GetEntityIfExistsAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateKey(partitionKey, nameof(partitionKey));
        TableRules.ValidateKey(rowKey, nameof(rowKey));
        var t = GetTable(table);
        lock (t)
        {
            return Task.FromResult(t.Find(partitionKey, rowKey)?.ToEntity());
        }
    }

    public Task<ETag> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default) =>
        Task.FromResult(WriteOne(table, entity, TableTransactionActionType.Insert, default));

    public Task<ETag> ReplaceAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) =>
        Task.FromResult(WriteOne(table, entity, TableTransactionActionType.Replace, TableRules.RequireIfMatch(ifMatch)));

    public Task<ETag> MergeAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) =>
        Task.FromResult(WriteOne(table, entity, TableTransactionActionType.Merge, TableRules.RequireIfMatch(ifMatch)));

    public Task<ETag> UpsertAsync(string table, TableEntity entity, TableUpsertMode mode = TableUpsertMode.Replace, CancellationToken cancellationToken = default) =>
        Task.FromResult(WriteOne(table, entity,
            mode == TableUpsertMode.Merge ? TableTransactionActionType.UpsertMerge : TableTransactionActionType.UpsertReplace, default));

    public Task DeleteAsync(string table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        WriteOne(table, new TableEntity(partitionKey, rowKey), TableTransactionActionType.Delete, TableRules.RequireIfMatch(ifMatch));
        return Task.CompletedTask;
    }

    public Task<TablePage> QueryAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var from = query.RowKeyFrom;
        if (continuationToken is not null)
        {
            var next = DecodeContinuation(continuationToken);
            if (from is null || string.CompareOrdinal(next, from) > 0)
            {
                from = next;
            }
        }

        var t = GetTable(table);
        var top = query.Top ?? TableRules.MaxPageSize;
        var page = new List<TableEntity>(Math.Min(top, 64));
        string? nextKey = null;
        lock (t)
        {
            if (t.Partitions.TryGetValue(query.PartitionKey, out var partition))
            {
                foreach (var (rowKey, row) in partition.GetViewFrom(from))
                {
                    if (query.RowKeyBefore is not null && string.CompareOrdinal(rowKey, query.RowKeyBefore) >= 0)
                    {
                        break;
                    }
                    if (query.Filter is not null && !TableFilterEvaluator.Matches(query.Filter, row.Get))
                    {
                        continue;
                    }
                    if (page.Count == top)
                    {
                        nextKey = rowKey;
                        break;
                    }
                    page.Add(row.ToEntity());
                }
            }
        }
        return Task.FromResult(new TablePage(page, nextKey is null ? null : EncodeContinuation(nextKey)));
    }

    public Task<IReadOnlyList<ETag>> SubmitTransactionAsync(string table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateTransaction(actions);
        var t = GetTable(table);
        lock (t)
        {
            // Check every operation against the current rows first, then apply: all or nothing.
            for (var i = 0; i < actions.Count; i++)
            {
                try
                {
                    CheckPrecondition(t, actions[i].Entity, actions[i].ActionType, actions[i].ETag); // conditional ones checked by ValidateTransaction
                }
                catch (RequestFailedException ex)
                {
                    throw new TableTransactionFailedException(ex.Status, $"{i}:{ex.Message}", ex.ErrorCode, i);
                }
            }
            var etags = new ETag[actions.Count];
            for (var i = 0; i < actions.Count; i++)
            {
                etags[i] = Apply(t, actions[i].Entity, actions[i].ActionType);
            }
            return Task.FromResult<IReadOnlyList<ETag>>(etags);
        }
    }

    private ETag WriteOne(string table, TableEntity entity, TableTransactionActionType type, ETag ifMatch)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (type != TableTransactionActionType.Delete)
        {
            TableRules.ValidateForWrite(entity);
        }
        var t = GetTable(table);
        lock (t)
        {
            CheckPrecondition(t, entity, type, ifMatch);
            return Apply(t, entity, type);
        }
    }

    private static void CheckPrecondition(MemoryTable t, TableEntity entity, TableTransactionActionType type, ETag ifMatch)
    {
        var existing = t.Find(entity.PartitionKey, entity.RowKey);
        switch (type)
        {
            case TableTransactionActionType.Insert when existing is not null:
                throw new RequestFailedException(409, "The specified entity already exists.", StorageErrorCodes.EntityAlreadyExists, null);
            case TableTransactionActionType.Replace or TableTransactionActionType.Merge or TableTransactionActionType.Delete:
                if (existing is null)
                {
                    throw new RequestFailedException(404, "The specified resource does not exist.", StorageErrorCodes.ResourceNotFound, null);
                }
                if (ifMatch != ETag.All && ifMatch != existing.ETag)
                {
                    throw new RequestFailedException(412, "The update condition specified in the request was not satisfied.", StorageErrorCodes.UpdateConditionNotSatisfied, null);
                }
                break;
        }
    }

    private ETag Apply(MemoryTable t, TableEntity entity, TableTransactionActionType type)
    {
        if (type == TableTransactionActionType.Delete)
        {
            t.Remove(entity.PartitionKey, entity.RowKey);
            return default;
        }

        var merge = type is TableTransactionActionType.Merge or TableTransactionActionType.UpsertMerge;
        var etag = new ETag("W/\"" + Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture) + "\"");
        var stored = StoredRow.From(entity, merge ? t.Find(entity.PartitionKey, entity.RowKey) : null, etag, time.GetUtcNow());
        t.Set(stored);
        return etag;
    }

    private MemoryTable GetTable(string table)
    {
        TableRules.ValidateTableName(table);
        return _tables.TryGetValue(table, out var t)
            ? t
            : throw new RequestFailedException(404, $"The table '{table}' does not exist.", StorageErrorCodes.TableNotFound, null);
    }

    private static string EncodeContinuation(string rowKey) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(rowKey));

    private static string DecodeContinuation(string token)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw new ArgumentException("The continuation token is not one this store issued.", nameof(token));
        }
    }

    private sealed class MemoryTable
    {
        public Dictionary<string, Partition> Partitions { get; } = new(StringComparer.Ordinal);

        public StoredRow? Find(string pk, string rk) =>
            Partitions.TryGetValue(pk, out var p) && p.Rows.TryGetValue(rk, out var row) ? row : null;

        public void Set(StoredRow row)
        {
            if (!Partitions.TryGetValue(row.PartitionKey, out var p))
            {
                p = new Partition();
                Partitions[row.PartitionKey] = p;
            }
            if (p.Rows.TryAdd(row.RowKey, row))
            {
                p.Keys.Add(row.RowKey);
            }
            else
            {
                p.Rows[row.RowKey] = row;
            }
        }

        public void Remove(string pk, string rk)
        {
            if (Partitions.TryGetValue(pk, out var p) && p.Rows.Remove(rk))
            {
                p.Keys.Remove(rk);
                if (p.Rows.Count == 0)
                {
                    Partitions.Remove(pk);
                }
            }
        }
    }

    /// <summary>Rows by key for point operations, and the keys in ordinal order for range scans.</summary>
    private sealed class Partition
    {
        // A sentinel above every real key, told apart by reference, to open a range at its top.
        private static readonly string Top = new('\uffff', 1);
        private static readonly IComparer<string> KeyOrder = Comparer<string>.Create((x, y) =>
            ReferenceEquals(x, y) ? 0 : ReferenceEquals(x, Top) ? 1 : ReferenceEquals(y, Top) ? -1 : string.CompareOrdinal(x, y));

        public Dictionary<string, StoredRow> Rows { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> Keys { get; } = new(KeyOrder);

        public IEnumerable<KeyValuePair<string, StoredRow>> GetViewFrom(string? from)
        {
            var keys = from is null ? Keys : Keys.GetViewBetween(from, Top);
            foreach (var key in keys)
            {
                yield return new(key, Rows[key]);
            }
        }
    }
}
