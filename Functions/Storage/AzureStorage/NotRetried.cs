using Azure.Core;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// Marks a request the pipeline must not retry because repeating it is not harmless: a receive
/// whose answer was lost already hid its messages and used an attempt, and a visibility update
/// whose answer was lost already replaced the pop receipt, so a retry would fail as a "lost
/// lease". The caller (the queue runner) decides what to do instead.
/// </summary>
internal sealed class NotRetried(ResponseClassifier inner) : ResponseClassifier
{
    public static void Apply(HttpMessage message) => message.ResponseClassifier = new NotRetried(message.ResponseClassifier);

    public override bool IsErrorResponse(HttpMessage message) => inner.IsErrorResponse(message);

    public override bool IsRetriableResponse(HttpMessage message) => false;

    public override bool IsRetriableException(Exception exception) => false;

    public override bool IsRetriable(HttpMessage message, Exception exception) => false;
}
