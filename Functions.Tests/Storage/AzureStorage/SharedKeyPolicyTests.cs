using System.Net;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Functions.Storage.AzureStorage;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Storage.AzureStorage;

/// <summary>
/// Known-good signatures. Each expected Authorization was computed outside this code base, with Python's
/// hmac/hashlib over the string-to-sign shown in the comment and the Azurite development key.
/// </summary>
public sealed class SharedKeyPolicyTests
{
    private static readonly DateTimeOffset FixedDate = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly AzureNamedKeyCredential Key = new(StorageAccount.DevelopmentAccountName, StorageAccount.DevelopmentAccountKey);

    [Fact]
    public async Task TableSignatureCoversThePathExactlyAsSent()
    {
        // "PUT\n\napplication/json\nFri, 02 Jan 2026 03:04:05 GMT\n
        //  /devstoreaccount1/devstoreaccount1/mytable(PartitionKey='p%27%27k%20%C3%BC',RowKey='r%25k')"
        var path = TableStorageClient.EntityPath("mytable", "p'k ü", "r%k");
        var sent = await SendAsync(new TableSharedKeyPolicy(Key, new SteppingTimeProvider(FixedDate)), RequestMethod.Put,
            "http://127.0.0.1:10002/devstoreaccount1" + path, "application/json", "{}");

        Assert.Equal("/devstoreaccount1/mytable(PartitionKey='p%27%27k%20%C3%BC',RowKey='r%25k')", sent.Uri.AbsolutePath);
        Assert.Equal("Fri, 02 Jan 2026 03:04:05 GMT", sent.Header("x-ms-date"));
        Assert.Equal("SharedKey devstoreaccount1:rzWxgiGE0GLQZ+70D4L10eMvXL62FH4MR6ScZnexjjw=", sent.Header("Authorization"));
    }

    [Fact]
    public async Task TableSignatureLeavesQueryOptionsOut()
    {
        // "GET\n\n\nFri, 02 Jan 2026 03:04:05 GMT\n/devstoreaccount1/devstoreaccount1/mytable()"
        var sent = await SendAsync(new TableSharedKeyPolicy(Key, new SteppingTimeProvider(FixedDate)), RequestMethod.Get,
            "http://127.0.0.1:10002/devstoreaccount1/mytable()?$filter=PartitionKey%20eq%20%27p%27&$top=5&NextPartitionKey=cHE%3D");

        Assert.Equal("SharedKey devstoreaccount1:3JXNlvx6eiV+HOMEQu8IjWwwAF25YvAhZH8GZ/0yEmQ=", sent.Header("Authorization"));
    }

    [Fact]
    public async Task QueueSignatureCoversLengthTypeSortedHeadersAndSortedParameters()
    {
        // "POST\n\n\n60\n\napplication/xml\n\n\n\n\n\n\nx-ms-date:Fri, 02 Jan 2026 03:04:05 GMT\nx-ms-meta-name:a  b\n
        //  x-ms-version:2019-02-02\n/devstoreaccount1/devstoreaccount1/myqueue/messages\nmessagettl:60\nvisibilitytimeout:2"
        var sent = await SendAsync(new QueueSharedKeyPolicy(Key, new SteppingTimeProvider(FixedDate)), RequestMethod.Post,
            "http://127.0.0.1:10001/devstoreaccount1/myqueue/messages?visibilitytimeout=2&messagettl=60",
            "application/xml", "<QueueMessage><MessageText>aGk=</MessageText></QueueMessage>",
            ("x-ms-meta-Name", "  a  b "));

        Assert.Equal("SharedKey devstoreaccount1:F62mpjw7lK4QebfqypYAIVk/n7RaKnfi1ZL6T/5u0BQ=", sent.Header("Authorization"));
    }

    [Fact]
    public async Task QueueSignatureUsesDecodedParameterValuesAndAnEmptyLengthForNoBody()
    {
        // "DELETE\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 02 Jan 2026 03:04:05 GMT\nx-ms-version:2019-02-02\n
        //  /devstoreaccount1/devstoreaccount1/q/messages/abc\npopreceipt:AgAAAAMAAAAAAAAA+A=="
        var sent = await SendAsync(new QueueSharedKeyPolicy(Key, new SteppingTimeProvider(FixedDate)), RequestMethod.Delete,
            "http://127.0.0.1:10001/devstoreaccount1/q/messages/abc?popreceipt=AgAAAAMAAAAAAAAA%2BA%3D%3D");

        Assert.Equal("SharedKey devstoreaccount1:7J2Gp3Qz77pMO4IwJ3kXLxRkjG2B9/Zj9i89SknbaWw=", sent.Header("Authorization"));
    }

    [Fact]
    public async Task EveryRetryIsSignedAgainWithAFreshDate()
    {
        var attempts = 0;
        var handler = new StubHttpHandler(_ => StubHttpHandler.Response(++attempts == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.NoContent));
        var options = new TableClientOptions { Transport = handler.Transport };
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        var pipeline = HttpPipelineBuilder.Build(options,
            new TableSharedKeyPolicy(Key, new SteppingTimeProvider(FixedDate, TimeSpan.FromSeconds(1))));
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Delete;
        message.Request.Uri.Reset(new Uri("http://127.0.0.1:10002/devstoreaccount1/t(PartitionKey='p',RowKey='r')"));

        await pipeline.SendAsync(message, CancellationToken.None);

        Assert.Equal(204, message.Response.Status);
        var (first, second) = (handler.Requests[0], handler.Requests[1]);
        Assert.Equal("Fri, 02 Jan 2026 03:04:05 GMT", first.Header("x-ms-date"));
        Assert.Equal("Fri, 02 Jan 2026 03:04:06 GMT", second.Header("x-ms-date"));
        Assert.NotEqual(first.Header("Authorization"), second.Header("Authorization"));
    }

    /// <summary>Sends one request through a pipeline of just the version header and <paramref name="signer"/>.</summary>
    private static async Task<RecordedRequest> SendAsync(HttpPipelinePolicy signer, RequestMethod method, string uri,
        string? contentType = null, string? body = null, params (string Name, string Value)[] headers)
    {
        var handler = new StubHttpHandler(HttpStatusCode.OK);
        var pipeline = new HttpPipeline(handler.Transport, [new StorageVersionPolicy("2019-02-02"), signer]);
        using var message = pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(uri));
        foreach (var (name, value) in headers)
        {
            message.Request.Headers.SetValue(name, value);
        }
        if (body is not null)
        {
            message.Request.Headers.SetValue("Content-Type", contentType!);
            message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body));
        }
        await pipeline.SendAsync(message, CancellationToken.None);
        return Assert.Single(handler.Requests);
    }
}
