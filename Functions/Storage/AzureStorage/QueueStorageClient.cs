using System.Globalization;
using System.Security;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// <see cref="IQueueStore"/> over the Queue service REST API (XML) on Azure.Core's pipeline. Message
/// text travels as Base64 of its UTF-8 bytes, the Functions host's default queue <c>messageEncoding</c>.
/// Immutable and thread-safe: register one per account as a singleton.
/// </summary>
public sealed class QueueStorageClient : IQueueStore
{
    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;

    public QueueStorageClient(StorageAccount account)
        : this(account, new QueueClientOptions())
    {
    }

    public QueueStorageClient(StorageAccount account, QueueClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        _endpoint = account.QueueEndpoint;
        _pipeline = StoragePipeline.Build(options, account, options.Version, key => new QueueSharedKeyPolicy(key));
    }

    public string Kind => "azure";

    public async Task CreateQueueIfNotExistsAsync(string queue, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateQueueName(queue);
        using var message = CreateMessage(RequestMethod.Put, "/" + queue);
        message.Request.Content = RequestContent.Create(ReadOnlyMemory<byte>.Empty);
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 201, 204, 409).ConfigureAwait(false);
        if (response.Status == 409 && StoragePipeline.ErrorCode(response) != "QueueAlreadyExists")
        {
            throw StoragePipeline.Failure(response);
        }
    }

    public async Task<SentQueueMessage> SendAsync(string queue, string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateQueueName(queue);
        QueueRules.ValidateMessage(text);
        QueueRules.ValidateSend(visibilityDelay, timeToLive);
        var query = new StringBuilder("?visibilitytimeout=").Append(Seconds(visibilityDelay ?? TimeSpan.Zero));
        if (timeToLive is { } ttl)
        {
            query.Append("&messagettl=").Append(ttl == Timeout.InfiniteTimeSpan ? "-1" : Seconds(ttl));
        }
        using var message = CreateMessage(RequestMethod.Post, $"/{queue}/messages", query.ToString());
        var body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessage><MessageText>"
            + SecurityElement.Escape(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)))
            + "</MessageText></QueueMessage>";
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body));
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 201).ConfigureAwait(false);

        var sent = Messages(response).SingleOrDefault()
            ?? throw new RequestFailedException(response.Status, "The Queue service did not describe the sent message.");
        return new SentQueueMessage(
            Value(sent, "MessageId"), Value(sent, "PopReceipt"),
            Time(sent, "InsertionTime"), Time(sent, "ExpirationTime"), Time(sent, "TimeNextVisible"));
    }

    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateQueueName(queue);
        QueueRules.ValidateReceive(maxMessages, visibilityTimeout);
        var query = FormattableString.Invariant($"?numofmessages={maxMessages}&visibilitytimeout={Seconds(visibilityTimeout)}");
        using var message = CreateMessage(RequestMethod.Get, $"/{queue}/messages", query);
        NotRetried.Apply(message);
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 200).ConfigureAwait(false);

        return Messages(response).Select(m => new QueueMessage(
            Value(m, "MessageId"),
            Value(m, "PopReceipt"),
            DecodeText(Value(m, "MessageText")),
            long.Parse(Value(m, "DequeueCount"), CultureInfo.InvariantCulture),
            Time(m, "InsertionTime"),
            Time(m, "ExpirationTime"),
            Time(m, "TimeNextVisible"))).ToList();
    }

    public async Task<IReadOnlyList<PeekedQueueMessage>> PeekAsync(string queue, int maxMessages, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateQueueName(queue);
        QueueRules.ValidatePeek(maxMessages);
        // Changes nothing, so unlike a receive it may be retried.
        using var message = CreateMessage(RequestMethod.Get, $"/{queue}/messages",
            FormattableString.Invariant($"?peekonly=true&numofmessages={maxMessages}"));
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 200).ConfigureAwait(false);

        return Messages(response).Select(m => new PeekedQueueMessage(
            Value(m, "MessageId"),
            DecodeText(Value(m, "MessageText")),
            long.Parse(Value(m, "DequeueCount"), CultureInfo.InvariantCulture),
            Time(m, "InsertionTime"),
            Time(m, "ExpirationTime"))).ToList();
    }

    public async Task DeleteMessageAsync(string queue, string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateQueueName(queue);
        ValidateLease(messageId, popReceipt);
        using var message = CreateMessage(RequestMethod.Delete, $"/{queue}/messages/{Uri.EscapeDataString(messageId)}",
            "?popreceipt=" + Uri.EscapeDataString(popReceipt));
        await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 204).ConfigureAwait(false);
    }

    public async Task<QueueMessageLease> UpdateVisibilityAsync(string queue, string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateQueueName(queue);
        ValidateLease(messageId, popReceipt);
        QueueRules.ValidateVisibilityUpdate(visibilityTimeout);
        using var message = CreateMessage(RequestMethod.Put, $"/{queue}/messages/{Uri.EscapeDataString(messageId)}",
            $"?popreceipt={Uri.EscapeDataString(popReceipt)}&visibilitytimeout={Seconds(visibilityTimeout)}");
        NotRetried.Apply(message);
        message.Request.Content = RequestContent.Create(ReadOnlyMemory<byte>.Empty);
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 204).ConfigureAwait(false);

        if (!response.Headers.TryGetValue("x-ms-popreceipt", out var receipt) || !response.Headers.TryGetValue("x-ms-time-next-visible", out var next))
        {
            throw new RequestFailedException(response.Status, "The Queue service returned no new pop receipt.");
        }
        return new QueueMessageLease(receipt, ParseTime(next));
    }

    public async Task<int> GetApproximateMessageCountAsync(string queue, CancellationToken cancellationToken = default)
    {
        QueueRules.ValidateQueueName(queue);
        using var message = CreateMessage(RequestMethod.Get, "/" + queue, "?comp=metadata");
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 200).ConfigureAwait(false);
        return response.Headers.TryGetValue("x-ms-approximate-messages-count", out var count)
            ? int.Parse(count, CultureInfo.InvariantCulture)
            : throw new RequestFailedException(response.Status, "The Queue service returned no message count.");
    }

    private HttpMessage CreateMessage(RequestMethod method, string path, string? query = null)
    {
        var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath(path, escape: false);
        if (query is not null)
        {
            request.Uri.Query = query;
        }
        return message;
    }

    private static void ValidateLease(string messageId, string popReceipt)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
    }

    /// <summary>Whole seconds, rounded up so a delay is never shorter than asked.</summary>
    private static string Seconds(TimeSpan value) =>
        ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<XElement> Messages(Response response) =>
        XDocument.Parse(response.Content.ToString()).Root?.Elements("QueueMessage") ?? [];

    private static string Value(XElement message, string name) =>
        message.Element(name)?.Value ?? throw new FormatException($"Queue message has no {name}.");

    private static DateTimeOffset Time(XElement message, string name) => ParseTime(Value(message, name));

    private static DateTimeOffset ParseTime(string rfc1123) =>
        DateTimeOffset.ParseExact(rfc1123, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>
    /// Base64 → UTF-8 text. A message someone enqueued without Base64 comes back as sent, so one foreign
    /// message cannot make every receive of its batch fail.
    /// </summary>
    private static string DecodeText(string wire)
    {
        var buffer = new byte[wire.Length];
        return Convert.TryFromBase64String(wire, buffer, out var written)
            ? Encoding.UTF8.GetString(buffer, 0, written)
            : wire;
    }
}
