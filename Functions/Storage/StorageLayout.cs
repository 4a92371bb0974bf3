namespace Functions.Storage;

/// <summary>
/// The tables and queues the app needs, declared by each capability at start-up and created
/// (if missing) before the app takes requests.
/// </summary>
public sealed class StorageLayout
{
    private readonly SortedSet<string> _tables = new(StringComparer.OrdinalIgnoreCase);
    private readonly SortedSet<string> _queues = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Tables => _tables;

    public IReadOnlyCollection<string> Queues => _queues;

    public StorageLayout AddTables(params string[] tables)
    {
        foreach (var table in tables)
        {
            TableRules.ValidateTableName(table);
            _tables.Add(table);
        }
        return this;
    }

    public StorageLayout AddQueues(params string[] queues)
    {
        foreach (var queue in queues)
        {
            QueueRules.ValidateQueueName(queue);
            _queues.Add(queue);
        }
        return this;
    }
}
