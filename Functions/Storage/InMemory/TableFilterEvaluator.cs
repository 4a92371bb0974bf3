namespace Functions.Storage.InMemory;

/// <summary>Evaluates a <see cref="TableFilter"/> the way Table Storage does for the types it stores.</summary>
internal static class TableFilterEvaluator
{
    public static bool Matches(TableFilter filter, Func<string, object?> valueOf) => filter switch
    {
        TableFilterCombination { Join: TableFilterJoin.And } c => Matches(c.Left, valueOf) && Matches(c.Right, valueOf),
        TableFilterCombination c => Matches(c.Left, valueOf) || Matches(c.Right, valueOf),
        TableComparison c => Compare(c, valueOf(c.Property)),
        _ => throw new ArgumentException($"Unknown filter {filter.GetType().Name}.", nameof(filter)),
    };

    private static bool Compare(TableComparison c, object? actual)
    {
        // A missing property or one of another type never matches, whatever the operator.
        if (actual is null || actual.GetType() != c.Value.GetType())
        {
            return false;
        }
        var order = actual switch
        {
            string s => string.CompareOrdinal(s, (string)c.Value),
            byte[] b => b.AsSpan().SequenceCompareTo((byte[])c.Value),
            IComparable comparable => comparable.CompareTo(c.Value),
            _ => throw new InvalidOperationException($"Cannot compare {actual.GetType().Name}."),
        };
        return c.Operator switch
        {
            TableComparisonOperator.Equal => order == 0,
            TableComparisonOperator.NotEqual => order != 0,
            TableComparisonOperator.GreaterThan => order > 0,
            TableComparisonOperator.GreaterThanOrEqual => order >= 0,
            TableComparisonOperator.LessThan => order < 0,
            TableComparisonOperator.LessThanOrEqual => order <= 0,
            _ => throw new ArgumentOutOfRangeException(nameof(c), c.Operator, null),
        };
    }
}
