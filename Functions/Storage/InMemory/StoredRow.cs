using Azure;

namespace Functions.Storage.InMemory;

/// <summary>
/// A row as the in-memory store keeps it: names and values in two arrays, immutable once
/// written. Far fewer objects per row than a <see cref="TableEntity"/> with its dictionary,
/// which keeps garbage collection cheap when a store holds a million rows.
/// </summary>
internal sealed class StoredRow
{
    private readonly string[] _names;
    private readonly object[] _values;

    private StoredRow(string partitionKey, string rowKey, string[] names, object[] values, ETag etag, DateTimeOffset timestamp)
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
        _names = names;
        _values = values;
        ETag = etag;
        Timestamp = timestamp;
    }

    public string PartitionKey { get; }

    public string RowKey { get; }

    public ETag ETag { get; }

    public DateTimeOffset Timestamp { get; }

    /// <summary>A copy of <paramref name="entity"/>'s properties, merged over <paramref name="mergeInto"/>'s when given.</summary>
    public static StoredRow From(TableEntity entity, StoredRow? mergeInto, ETag etag, DateTimeOffset timestamp)
    {
        var count = entity.Properties.Count;
        var names = new List<string>(count + (mergeInto?._names.Length ?? 0));
        var values = new List<object>(names.Capacity);
        if (mergeInto is not null)
        {
            for (var i = 0; i < mergeInto._names.Length; i++)
            {
                if (!entity.Properties.ContainsKey(mergeInto._names[i]))
                {
                    names.Add(mergeInto._names[i]);
                    values.Add(mergeInto._values[i]);
                }
            }
        }
        foreach (var (name, value) in entity.Properties)
        {
            names.Add(name);
            values.Add(value is byte[] b ? b.Clone() : value);
        }
        return new StoredRow(entity.PartitionKey, entity.RowKey, [.. names], [.. values], etag, timestamp);
    }

    /// <summary>A property's value, or null; RowKey and Timestamp too, for filters.</summary>
    public object? Get(string name)
    {
        switch (name)
        {
            case "RowKey": return RowKey;
            case "Timestamp": return Timestamp;
        }
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal)) return _values[i];
        }
        return null;
    }

    /// <summary>A fresh entity for a caller, sharing nothing mutable with the store.</summary>
    public TableEntity ToEntity()
    {
        var properties = new Dictionary<string, object>(_names.Length, StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++)
        {
            properties[_names[i]] = _values[i] is byte[] b ? b.Clone() : _values[i];
        }
        return new TableEntity(PartitionKey, RowKey, properties) { ETag = ETag, Timestamp = Timestamp };
    }
}
