using System.Globalization;
using System.Text;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// Renders a <see cref="TableQuery"/> as an OData <c>$filter</c>. Every value becomes an escaped,
/// typed literal, so no value can change the query's shape; property names are validated identifiers.
/// </summary>
internal static class TableODataFilter
{
    public static string Render(TableQuery query)
    {
        var sb = new StringBuilder("PartitionKey eq ").Append(Literal(query.PartitionKey));
        if (query.RowKeyFrom is not null)
        {
            sb.Append(" and RowKey ge ").Append(Literal(query.RowKeyFrom));
        }
        if (query.RowKeyBefore is not null)
        {
            sb.Append(" and RowKey lt ").Append(Literal(query.RowKeyBefore));
        }
        if (query.Filter is not null)
        {
            sb.Append(" and (");
            Append(sb, query.Filter);
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, TableFilter filter)
    {
        switch (filter)
        {
            case TableComparison c:
                sb.Append(c.Property).Append(' ').Append(Operator(c.Operator)).Append(' ').Append(Literal(c.Value));
                break;
            case TableFilterCombination combination:
                sb.Append('(');
                Append(sb, combination.Left);
                sb.Append(combination.Join == TableFilterJoin.And ? ") and (" : ") or (");
                Append(sb, combination.Right);
                sb.Append(')');
                break;
            default:
                throw new ArgumentException($"Unknown filter type {filter.GetType().Name}.", nameof(filter));
        }
    }

    private static string Operator(TableComparisonOperator op) => op switch
    {
        TableComparisonOperator.Equal => "eq",
        TableComparisonOperator.NotEqual => "ne",
        TableComparisonOperator.GreaterThan => "gt",
        TableComparisonOperator.GreaterThanOrEqual => "ge",
        TableComparisonOperator.LessThan => "lt",
        TableComparisonOperator.LessThanOrEqual => "le",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown comparison operator."),
    };

    /// <summary>
    /// The shortest round-trip digits written without an exponent (<c>1E+300</c> becomes 1 and 300 zeros,
    /// <c>1.5E-07</c> becomes <c>0.00000015</c>), always with a fraction: Azurite 3.35 misparses exponent
    /// literals and silently matches the wrong rows.
    /// </summary>
    internal static string FixedPoint(double d)
    {
        var text = TableEntityJson.FormatDouble(d);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = text[..e];
        var sign = mantissa.StartsWith('-') ? "-" : "";
        mantissa = mantissa.TrimStart('-');
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var newPoint = (point < 0 ? mantissa.Length : point) + exponent;
        return sign + (newPoint <= 0
            ? "0." + new string('0', -newPoint) + digits
            : newPoint >= digits.Length
                ? digits + new string('0', newPoint - digits.Length) + ".0"
                : digits[..newPoint] + "." + digits[newPoint..]);
    }

    /// <summary>An OData literal: <c>'it''s'</c>, <c>true</c>, <c>42</c>, <c>42L</c>, <c>5.0</c>, <c>datetime'..'</c>, <c>guid'..'</c>, <c>X'0aff'</c>.</summary>
    public static string Literal(object value) => value switch
    {
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        double d when double.IsFinite(d) => FixedPoint(d),
        double => throw new ArgumentException("Table Storage filters cannot compare with NaN or Infinity.", nameof(value)),
        DateTimeOffset dto => "datetime'" + TableEntityJson.FormatDateTime(dto) + "'",
        Guid g => "guid'" + g.ToString("D") + "'",
        byte[] bytes => "X'" + Convert.ToHexStringLower(bytes) + "'",
        _ => throw new ArgumentException($"Type {value.GetType().Name} cannot be used in a Table Storage filter.", nameof(value)),
    };
}
