using Azure;

namespace Functions.Storage;

/// <summary>The service error codes the app acts on; both adapters use the same ones.</summary>
public static class StorageErrorCodes
{
    public const string TableNotFound = "TableNotFound";
    public const string ResourceNotFound = "ResourceNotFound";
    public const string EntityAlreadyExists = "EntityAlreadyExists";
    public const string UpdateConditionNotSatisfied = "UpdateConditionNotSatisfied";
    public const string InvalidDuplicateRow = "InvalidDuplicateRow";
    public const string InvalidInput = "InvalidInput";
    public const string QueueNotFound = "QueueNotFound";
    public const string MessageNotFound = "MessageNotFound";
    public const string PopReceiptMismatch = "PopReceiptMismatch";

    /// <summary>True for 409: the row is already there.</summary>
    public static bool IsConflict(RequestFailedException ex) => ex.Status == 409;

    /// <summary>True for 412: someone else changed the row since it was read.</summary>
    public static bool IsPreconditionFailed(RequestFailedException ex) => ex.Status == 412;

    public static bool IsNotFound(RequestFailedException ex) => ex.Status == 404;

    /// <summary>
    /// The message was deleted, or received again by someone else, so this receipt is void.
    /// Azure answers 404 MessageNotFound; Azurite answers 400 PopReceiptMismatch.
    /// </summary>
    public static bool IsLostMessageLease(RequestFailedException ex) =>
        (ex.Status == 404 && ex.ErrorCode == MessageNotFound) || (ex.Status == 400 && ex.ErrorCode == PopReceiptMismatch);
}
