using Azure;

namespace Functions.Storage;

/// <summary>
/// One Table Storage row: its keys, its ETag and its typed properties. Only the types Table
/// Storage stores are accepted (string, bool, int32, int64, double, DateTimeOffset, Guid,
/// binary), so nothing that works in memory can fail on the wire.
/// </summary>
public sealed class TableEntity
{
    private readonly Dictionary<string, object> _properties;

    public TableEntity(string partitionKey, string rowKey)
    {
        TableRules.ValidateKey(partitionKey, nameof(PartitionKey));
        TableRules.ValidateKey(rowKey, nameof(RowKey));
        PartitionKey = partitionKey;
        RowKey = rowKey;
        _properties = new Dictionary<string, object>(StringComparer.Ordinal);
    }

    /// <summary>For stores rebuilding a row they checked when it was written: no validation, takes ownership of <paramref name="properties"/>.</summary>
    internal TableEntity(string partitionKey, string rowKey, Dictionary<string, object> properties)
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
        _properties = properties;
    }

    // For copies: keys and values were checked when the original was built.
    private TableEntity(TableEntity original)
    {
        PartitionKey = original.PartitionKey;
        RowKey = original.RowKey;
        ETag = original.ETag;
        Timestamp = original.Timestamp;
        _properties = new Dictionary<string, object>(original._properties, StringComparer.Ordinal);
    }

    public string PartitionKey { get; }

    public string RowKey { get; }

    /// <summary>The version the store returned; <c>default</c> on an entity not read from a store.</summary>
    public ETag ETag { get; set; }

    /// <summary>Set by the store on every write; ignored when writing.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    public IReadOnlyDictionary<string, object> Properties => _properties;

    /// <summary>Gets a property, or sets it (null removes it).</summary>
    public object? this[string name]
    {
        get => _properties.TryGetValue(name, out var value) ? value : null;
        set
        {
            TableRules.ValidatePropertyName(name);
            if (value is null)
            {
                _properties.Remove(name);
                return;
            }
            _properties[name] = TableRules.NormalizeValue(name, value);
        }
    }

    public string? GetString(string name) => this[name] as string;

    public bool? GetBoolean(string name) => this[name] as bool?;

    public int? GetInt32(string name) => this[name] switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        _ => null,
    };

    public long? GetInt64(string name) => this[name] switch
    {
        long l => l,
        int i => i,
        _ => null,
    };

    public double? GetDouble(string name) => this[name] switch
    {
        double d => d,
        int i => i,
        long l => l,
        _ => null,
    };

    public DateTimeOffset? GetDateTimeOffset(string name) => this[name] as DateTimeOffset?;

    public Guid? GetGuid(string name) => this[name] as Guid?;

    public byte[]? GetBinary(string name) => this[name] is byte[] b ? (byte[])b.Clone() : null;

    /// <summary>A deep copy, so a stored row never shares mutable state with a caller.</summary>
    public TableEntity Clone()
    {
        var copy = new TableEntity(this);
        foreach (var (name, value) in _properties)
        {
            if (value is byte[] b)
            {
                copy._properties[name] = b.Clone();
            }
        }
        return copy;
    }

    public override string ToString() => $"TableEntity({PartitionKey}, {RowKey}, {_properties.Count} properties)";
}
