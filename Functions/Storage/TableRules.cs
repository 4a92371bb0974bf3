using System.Text;
using Azure;

namespace Functions.Storage;

/// <summary>
/// Table Storage's limits, checked before anything is written by either adapter, so the
/// in-memory store refuses exactly what the real service refuses.
/// </summary>
public static class TableRules
{
    public const int MaxKeyLength = 1024;
    public const int MaxCustomProperties = 252; // 255 including PartitionKey, RowKey and Timestamp
    public const int MaxStringChars = 32 * 1024; // 64 KiB as UTF-16
    public const int MaxBinaryBytes = 64 * 1024;
    public const int MaxBatchOperations = 100;
    public const long MaxBatchBytes = 4 * 1024 * 1024;
    public const int MaxPageSize = 1000;

    private static readonly DateTimeOffset MinDate = new(1601, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly HashSet<string> ReservedNames = new(StringComparer.Ordinal)
    {
        "PartitionKey", "RowKey", "Timestamp", "ETag",
    };

    /// <summary>Table names: a letter, then letters or digits, 3 to 63 characters in all.</summary>
    public static void ValidateTableName(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Length is < 3 or > 63 || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit)
            || string.Equals(table, "tables", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"Table name '{table}' is invalid: use 3 to 63 letters or digits, starting with a letter ('tables' is reserved).",
                nameof(table));
        }
    }

    /// <summary>
    /// Keys may not contain '/', '\', '#', '?' or control characters (U+0000–U+001F, U+007F–U+009F)
    /// and are at most 1 KiB; Table Storage refuses them otherwise.
    /// </summary>
    public static void ValidateKey(string key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"{paramName} is longer than {MaxKeyLength} characters.", paramName);
        }
        foreach (var c in key)
        {
            if (c is '/' or '\\' or '#' or '?' || c <= '\u001F' || c is >= '\u007F' and <= '\u009F')
            {
                throw new ArgumentException(
                    $"{paramName} contains a character Table Storage forbids ('/', '\\', '#', '?' or a control character).",
                    paramName);
            }
        }
    }

    /// <summary>Property names are C#-style identifiers of at most 255 characters, not a system name.</summary>
    public static void ValidatePropertyName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 255 || !(char.IsAsciiLetter(name[0]) || name[0] == '_')
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || ReservedNames.Contains(name))
        {
            throw new ArgumentException(
                $"Property name '{name}' is invalid: use letters, digits and '_' (not starting with a digit, at most 255), and not a system property.",
                nameof(name));
        }
    }

    /// <summary>Checks a value's type and size and returns the form stored (UTC dates, copied arrays).</summary>
    public static object NormalizeValue(string name, object value) => value switch
    {
        string s when s.Length > MaxStringChars =>
            throw new ArgumentException($"Property '{name}' is longer than {MaxStringChars} characters.", nameof(value)),
        string or bool or int or long or Guid => value,
        double d => d,
        DateTimeOffset dto when dto < MinDate =>
            throw new ArgumentException($"Property '{name}' is before 1601-01-01, which Table Storage cannot store.", nameof(value)),
        DateTimeOffset dto => dto.ToUniversalTime(),
        DateTime dt => NormalizeValue(name, new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified
            ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime())),
        byte[] b when b.Length > MaxBinaryBytes =>
            throw new ArgumentException($"Property '{name}' is larger than {MaxBinaryBytes} bytes.", nameof(value)),
        byte[] b => b.Clone(),
        _ => throw new ArgumentException(
            $"Property '{name}' has type {value.GetType().Name}; Table Storage stores string, bool, int, long, double, DateTimeOffset, Guid and byte[].",
            nameof(value)),
    };

    /// <summary>Whole-entity limits, checked on every write.</summary>
    public static void ValidateForWrite(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.Properties.Count > MaxCustomProperties)
        {
            throw new ArgumentException($"Entity has {entity.Properties.Count} properties; at most {MaxCustomProperties} are allowed.", nameof(entity));
        }
        if (EstimateSize(entity) > 1024 * 1024)
        {
            throw new ArgumentException("Entity is larger than 1 MiB, the Table Storage limit.", nameof(entity));
        }
    }

    private static long EstimateSize(TableEntity entity)
    {
        long size = 4 + (entity.PartitionKey.Length + entity.RowKey.Length) * 2;
        foreach (var (name, value) in entity.Properties)
        {
            size += 8 + name.Length * 2 + value switch
            {
                string s => 4 + s.Length * 2,
                byte[] b => 4 + b.Length,
                Guid => 16,
                bool => 1,
                int => 4,
                _ => 8,
            };
        }
        return size;
    }

    /// <summary>
    /// An entity group transaction: 1 to 100 operations, one partition, each row at most once.
    /// </summary>
    public static void ValidateTransaction(IReadOnlyList<TableTransactionAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > MaxBatchOperations)
        {
            throw new ArgumentException($"A transaction has 1 to {MaxBatchOperations} operations; this one has {actions.Count}.", nameof(actions));
        }
        var partitionKey = actions[0]?.Entity?.PartitionKey;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        long size = 0;
        foreach (var action in actions)
        {
            if (action?.Entity is null)
            {
                throw new ArgumentException("A transaction operation and its entity cannot be null.", nameof(actions));
            }
            if (!string.Equals(action.Entity.PartitionKey, partitionKey, StringComparison.Ordinal))
            {
                throw new ArgumentException("All operations of a transaction must be in one partition.", nameof(actions));
            }
            if (!rows.Add(action.Entity.RowKey))
            {
                throw new ArgumentException($"Row '{action.Entity.RowKey}' appears twice in one transaction.", nameof(actions));
            }
            if (action.ActionType is TableTransactionActionType.Replace or TableTransactionActionType.Merge or TableTransactionActionType.Delete)
            {
                _ = action.IfMatch; // refuses a missing ETag
            }
            if (action.ActionType != TableTransactionActionType.Delete)
            {
                ValidateForWrite(action.Entity);
                size += EstimateSize(action.Entity);
            }
        }
        if (size > MaxBatchBytes)
        {
            throw new ArgumentException($"A transaction carries at most 4 MiB of entities; this one carries about {size / 1024} KiB.", nameof(actions));
        }
    }

    /// <summary>
    /// A conditional write names the version it expects, or <see cref="ETag.All"/> for any. A
    /// forgotten ETag (<c>default</c>) is refused rather than read as "overwrite whatever is there".
    /// </summary>
    public static ETag RequireIfMatch(ETag ifMatch) =>
        ifMatch == default ? throw new ArgumentException("An ETag (or ETag.All for any version) is required.", nameof(ifMatch)) : ifMatch;

    /// <summary>
    /// The smallest string greater than every string with this prefix, for prefix range queries;
    /// null when there is none (a prefix of only U+FFFF characters): then the range is open above.
    /// </summary>
    public static string? PrefixUpperBound(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var end = prefix.Length;
        while (end > 0 && prefix[end - 1] == '\uffff') end--;
        if (end == 0) return null;
        var sb = new StringBuilder(prefix, 0, end, end);
        sb[^1] = (char)(sb[^1] + 1);
        return sb.ToString();
    }
}
