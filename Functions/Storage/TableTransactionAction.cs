using Azure;

namespace Functions.Storage;

public enum TableTransactionActionType
{
    /// <summary>Fails with 409 if the row exists.</summary>
    Insert,
    /// <summary>Replaces an existing row; ETag <c>default</c> means any version (<c>*</c>).</summary>
    Replace,
    /// <summary>Merges into an existing row; ETag <c>default</c> means any version (<c>*</c>).</summary>
    Merge,
    UpsertReplace,
    UpsertMerge,
    /// <summary>Deletes an existing row; ETag <c>default</c> means any version (<c>*</c>).</summary>
    Delete,
}

/// <summary>One operation of an entity group transaction (same table, same partition, each row once).</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, ETag ETag = default)
{
    /// <summary>The If-Match value this action sends: its ETag, or <c>*</c> when none was given.</summary>
    public ETag IfMatch => ETag == default ? ETag.All : ETag;
}

/// <summary>A transaction failed as a whole; nothing was written. <see cref="FailedIndex"/> names the operation.</summary>
public sealed class TableTransactionFailedException(int status, string message, string? errorCode, int failedIndex)
    : RequestFailedException(status, message, errorCode, null)
{
    public int FailedIndex { get; } = failedIndex;
}
