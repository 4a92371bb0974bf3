using Azure;

namespace Functions.Storage;

public enum TableTransactionActionType
{
    /// <summary>Fails with 409 if the row exists.</summary>
    Insert,
    /// <summary>Replaces an existing row with the given ETag (<see cref="ETag.All"/>: any version).</summary>
    Replace,
    /// <summary>Merges into an existing row with the given ETag (<see cref="ETag.All"/>: any version).</summary>
    Merge,
    UpsertReplace,
    UpsertMerge,
    /// <summary>Deletes an existing row with the given ETag (<see cref="ETag.All"/>: any version).</summary>
    Delete,
}

/// <summary>One operation of an entity group transaction (same table, same partition, each row once).</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, ETag ETag = default)
{
    /// <summary>
    /// The If-Match value a conditional action (replace, merge, delete) sends. As for single
    /// writes, a forgotten ETag is refused rather than read as "overwrite whatever is there".
    /// </summary>
    public ETag IfMatch => TableRules.RequireIfMatch(ETag);
}

/// <summary>A transaction failed as a whole; nothing was written. <see cref="FailedIndex"/> names the operation.</summary>
public sealed class TableTransactionFailedException(int status, string message, string? errorCode, int failedIndex)
    : RequestFailedException(status, message, errorCode, null)
{
    public int FailedIndex { get; } = failedIndex;
}
