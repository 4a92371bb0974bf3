namespace Functions.Storage;

/// <summary>
/// A query over one partition: an optional row-key range [From, Before), an optional typed
/// filter, and a page size. Filters are values, never text, so user input cannot change a
/// query's meaning: the Azure adapter renders them to escaped OData, the in-memory adapter
/// evaluates them.
/// </summary>
public sealed record TableQuery(string PartitionKey)
{
    /// <summary>Inclusive lower bound on RowKey.</summary>
    public string? RowKeyFrom { get; init; }

    /// <summary>Exclusive upper bound on RowKey.</summary>
    public string? RowKeyBefore { get; init; }

    public TableFilter? Filter { get; init; }

    /// <summary>Rows per page, 1 to 1000 (the service's own page limit when null).</summary>
    public int? Top { get; init; }

    /// <summary>Rows whose RowKey starts with <paramref name="prefix"/>.</summary>
    public static TableQuery WithRowKeyPrefix(string partitionKey, string prefix) => new(partitionKey)
    {
        RowKeyFrom = prefix,
        RowKeyBefore = TableRules.PrefixUpperBound(prefix),
    };

    public void Validate()
    {
        TableRules.ValidateKey(PartitionKey, nameof(PartitionKey));
        // Range bounds are compared, never stored: any characters will do (a prefix bound such as
        // "order/" for "order." is fine), as long as they fit in a key's length.
        if (RowKeyFrom?.Length > TableRules.MaxKeyLength || RowKeyBefore?.Length > TableRules.MaxKeyLength + 1)
        {
            throw new ArgumentException("A row-key bound is longer than a row key can be.");
        }
        if (Top is < 1 or > TableRules.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(Top), Top, $"Top must be between 1 and {TableRules.MaxPageSize}.");
        }
    }
}

/// <summary>
/// One page of a query; pass <see cref="ContinuationToken"/> back for the next one (null: no more).
/// A page can hold fewer rows than asked for, or none, and still have a token (Table Storage
/// stops a page at time or partition limits): only a null token means the end.
/// </summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Entities, string? ContinuationToken);

public enum TableComparisonOperator
{
    Equal,
    NotEqual,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

/// <summary>
/// A filter over entity properties. A comparison matches only a property that exists and holds a
/// value of the same type as the operand (int and long count as one type here only if the
/// stored value has the operand's exact type; keep a property's type fixed).
/// </summary>
public abstract record TableFilter
{
    public static TableFilter Equal(string property, object value) => Compare(property, TableComparisonOperator.Equal, value);
    public static TableFilter NotEqual(string property, object value) => Compare(property, TableComparisonOperator.NotEqual, value);
    public static TableFilter GreaterThan(string property, object value) => Compare(property, TableComparisonOperator.GreaterThan, value);
    public static TableFilter GreaterThanOrEqual(string property, object value) => Compare(property, TableComparisonOperator.GreaterThanOrEqual, value);
    public static TableFilter LessThan(string property, object value) => Compare(property, TableComparisonOperator.LessThan, value);
    public static TableFilter LessThanOrEqual(string property, object value) => Compare(property, TableComparisonOperator.LessThanOrEqual, value);

    public static TableFilter operator &(TableFilter left, TableFilter right) => new TableFilterCombination(left, TableFilterJoin.And, right);
    public static TableFilter operator |(TableFilter left, TableFilter right) => new TableFilterCombination(left, TableFilterJoin.Or, right);

    private static TableComparison Compare(string property, TableComparisonOperator op, object value)
    {
        if (property is not ("RowKey" or "Timestamp"))
        {
            TableRules.ValidatePropertyName(property);
        }
        ArgumentNullException.ThrowIfNull(value);
        if (value is double d && !double.IsFinite(d))
        {
            throw new ArgumentException("Table Storage filters cannot compare with NaN or Infinity.", nameof(value));
        }
        return new TableComparison(property, op, TableRules.NormalizeValue(property, value));
    }
}

public sealed record TableComparison(string Property, TableComparisonOperator Operator, object Value) : TableFilter;

public enum TableFilterJoin
{
    And,
    Or,
}

public sealed record TableFilterCombination(TableFilter Left, TableFilterJoin Join, TableFilter Right) : TableFilter;
