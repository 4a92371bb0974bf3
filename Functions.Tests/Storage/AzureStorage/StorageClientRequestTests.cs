using System.Net;
using Azure;
using Functions.Storage;
using Functions.Storage.AzureStorage;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Storage.AzureStorage;

/// <summary>Request shapes and response mapping, checked on a recording transport (no network).</summary>
public sealed class StorageClientRequestTests
{
    private static readonly StorageAccount DevAccount = StorageAccount.Parse("UseDevelopmentStorage=true");

    private static TableStorageClient Table(StubHttpHandler handler, StorageAccount? account = null) =>
        new(account ?? DevAccount, new TableClientOptions { Transport = handler.Transport, Retry = { MaxRetries = 0 } });

    private static QueueStorageClient Queue(StubHttpHandler handler, StorageAccount? account = null) =>
        new(account ?? DevAccount, new QueueClientOptions { Transport = handler.Transport, Retry = { MaxRetries = 0 } });

    [Fact]
    public async Task ReceiveAndVisibilityUpdatesAreNeverRetriedButSendsAre()
    {
        var handler = new StubHttpHandler(HttpStatusCode.ServiceUnavailable, null, ("x-ms-error-code", "ServerBusy"));
        var queue = new QueueStorageClient(DevAccount, new QueueClientOptions
        {
            Transport = handler.Transport,
            Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1) },
        });

        await Assert.ThrowsAsync<RequestFailedException>(() => queue.ReceiveAsync("q1x", 1, TimeSpan.FromSeconds(30)));
        Assert.Single(handler.Requests);
        await Assert.ThrowsAsync<RequestFailedException>(() => queue.UpdateVisibilityAsync("q1x", "id", "receipt", TimeSpan.Zero));
        Assert.Equal(2, handler.Requests.Count);
        await Assert.ThrowsAsync<RequestFailedException>(() => queue.SendAsync("q1x", "hello"));
        Assert.Equal(2 + 3, handler.Requests.Count); // a send is retried: a duplicate is harmless, handlers are idempotent
    }

    [Fact]
    public void ConstructorsValidateArguments()
    {
        Assert.Throws<ArgumentNullException>(() => new TableStorageClient(null!));
        Assert.Throws<ArgumentNullException>(() => new TableStorageClient(DevAccount, null!));
        Assert.Throws<ArgumentNullException>(() => new QueueStorageClient(null!));
        Assert.Throws<ArgumentNullException>(() => new QueueStorageClient(DevAccount, null!));
        Assert.Equal("azure", new TableStorageClient(DevAccount).Kind);
        Assert.Equal("azure", new QueueStorageClient(DevAccount).Kind);
    }

    [Fact]
    public async Task InsertSendsAnnotatedJsonWithoutEcho()
    {
        var handler = new StubHttpHandler(HttpStatusCode.NoContent, null, ("ETag", "W/\"datetime'2026-01-01T00%3A00%3A00.0000000Z'\""));
        var entity = new TableEntity("p", "r") { ["Whole"] = 5.0, ["Big"] = 1L << 60, ["Small"] = 7 };

        var etag = await Table(handler).InsertAsync("orders", entity);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(("POST", "/devstoreaccount1/orders"), (sent.Method, sent.Uri.AbsolutePath));
        Assert.Equal("application/json;odata=minimalmetadata", sent.Header("Accept")!.Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("return-no-content", sent.Header("Prefer"));
        Assert.Equal("application/json", sent.Header("Content-Type"));
        Assert.Equal("2019-02-02", sent.Header("x-ms-version"));
        Assert.StartsWith("SharedKey devstoreaccount1:", sent.Header("Authorization"), StringComparison.Ordinal);
        Assert.Equal(
            "{\"PartitionKey\":\"p\",\"RowKey\":\"r\",\"Whole@odata.type\":\"Edm.Double\",\"Whole\":5.0,"
            + "\"Big@odata.type\":\"Edm.Int64\",\"Big\":\"1152921504606846976\",\"Small\":7}",
            sent.Body);
        Assert.Equal("W/\"datetime'2026-01-01T00%3A00%3A00.0000000Z'\"", etag.ToString());
    }

    [Fact]
    public async Task ConditionalWritesSendTheETagAndUpsertsSendNone()
    {
        var handler = new StubHttpHandler(HttpStatusCode.NoContent, null, ("ETag", "W/\"x\""));
        var table = Table(handler);
        var entity = new TableEntity("p", "r");

        await table.ReplaceAsync("t12", entity, new ETag("W/\"v1\""));
        await table.MergeAsync("t12", entity, ETag.All);
        await table.UpsertAsync("t12", entity, TableUpsertMode.Merge);
        await table.DeleteAsync("t12", "p", "r", ETag.All);
        await Assert.ThrowsAsync<ArgumentException>(() => table.DeleteAsync("t12", "p", "r", default));

        var r = handler.Requests;
        Assert.Equal(4, r.Count);
        Assert.Equal(("PUT", "W/\"v1\""), (r[0].Method, r[0].Header("If-Match")));
        Assert.Equal(("MERGE", "*"), (r[1].Method, r[1].Header("If-Match")));
        Assert.Equal(("MERGE", null), (r[2].Method, r[2].Header("If-Match")));
        Assert.Equal(("DELETE", "*"), (r[3].Method, r[3].Header("If-Match")));
        Assert.All(r, x => Assert.Equal("/devstoreaccount1/t12(PartitionKey='p',RowKey='r')", x.Uri.AbsolutePath));
    }

    [Fact]
    public async Task TableErrorCodeComesFromTheJsonBodyWhenTheHeaderIsMissing()
    {
        var handler = new StubHttpHandler(HttpStatusCode.Conflict,
            "{\"odata.error\":{\"code\":\"EntityAlreadyExists\",\"message\":{\"lang\":\"en-US\",\"value\":\"The specified entity already exists.\"}}}");

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Table(handler).InsertAsync("t12", new TableEntity("p", "r")));

        Assert.Equal((409, StorageErrorCodes.EntityAlreadyExists), (ex.Status, ex.ErrorCode));
        Assert.Contains("The specified entity already exists.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueErrorCodeComesFromTheXmlBodyWhenTheHeaderIsMissing()
    {
        var handler = new StubHttpHandler(HttpStatusCode.NotFound,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>MessageNotFound</Code><Message>The specified message does not exist.</Message></Error>");

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Queue(handler).DeleteMessageAsync("jobs", "id", "receipt"));

        Assert.Equal((404, StorageErrorCodes.MessageNotFound), (ex.Status, ex.ErrorCode));
        Assert.True(StorageErrorCodes.IsLostMessageLease(ex));
    }

    [Fact]
    public async Task MissingRowIsNullButMissingTableIsAnError()
    {
        var row = new StubHttpHandler(HttpStatusCode.NotFound, null, ("x-ms-error-code", "ResourceNotFound"));
        Assert.Null(await Table(row).GetEntityIfExistsAsync("t12", "p", "r"));

        var table = new StubHttpHandler(HttpStatusCode.NotFound, null, ("x-ms-error-code", "TableNotFound"));
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Table(table).GetEntityIfExistsAsync("t12", "p", "r"));
        Assert.Equal(StorageErrorCodes.TableNotFound, ex.ErrorCode);
    }

    [Fact]
    public async Task CreateIfNotExistsAcceptsOnlyAlreadyExistsConflicts()
    {
        await Table(new StubHttpHandler(HttpStatusCode.Conflict, null, ("x-ms-error-code", "TableAlreadyExists"))).CreateTableIfNotExistsAsync("t12");
        await Queue(new StubHttpHandler(HttpStatusCode.Conflict, null, ("x-ms-error-code", "QueueAlreadyExists"))).CreateQueueIfNotExistsAsync("jobs");

        var beingDeleted = new StubHttpHandler(HttpStatusCode.Conflict, null, ("x-ms-error-code", "TableBeingDeleted"));
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Table(beingDeleted).CreateTableIfNotExistsAsync("t12"));
        Assert.Equal("TableBeingDeleted", ex.ErrorCode);
    }

    [Fact]
    public async Task TransactionFailureWithoutAnIndexPrefixFallsBackToContentId()
    {
        const string body =
            "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_1\r\n\r\n"
            + "--changesetresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            + "HTTP/1.1 412 Precondition Failed\r\nContent-ID: 3\r\nContent-Type: application/json;odata=minimalmetadata\r\n\r\n"
            + "{\"odata.error\":{\"code\":\"UpdateConditionNotSatisfied\",\"message\":{\"lang\":\"en-US\",\"value\":\"The update condition specified in the request was not satisfied.\"}}}\r\n"
            + "--changesetresponse_1--\r\n--batchresponse_1--\r\n";
        var handler = new StubHttpHandler(HttpStatusCode.Accepted, body, ("Content-Type", "multipart/mixed; boundary=batchresponse_1"));
        var actions = Enumerable.Range(0, 4)
            .Select(i => new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("p", $"r{i}")))
            .ToList();

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Table(handler).SubmitTransactionAsync("t12", actions));

        Assert.Equal((412, StorageErrorCodes.UpdateConditionNotSatisfied, 2), (ex.Status, ex.ErrorCode, ex.FailedIndex));
        var sent = Assert.Single(handler.Requests);
        Assert.Equal("/devstoreaccount1/$batch", sent.Uri.AbsolutePath);
        Assert.StartsWith("multipart/mixed; boundary=batch_", sent.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Contains("MERGE http://127.0.0.1:10002/devstoreaccount1/t12(PartitionKey='p',RowKey='r3') HTTP/1.1\r\n", sent.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TransactionOnAnAccountHostAddressesOperationsAbsolutelyAndReadsEachETag()
    {
        static string Part(string status, string? etag) =>
            "--changesetresponse_9\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            + $"HTTP/1.1 {status}\r\nX-Content-Type-Options: nosniff\r\nDataServiceVersion: 3.0;\r\n"
            + (etag is null ? "" : $"ETag: {etag}\r\n") + "\r\n\r\n";
        var body = "--batchresponse_9\r\nContent-Type: multipart/mixed; boundary=changesetresponse_9\r\n\r\n"
            + Part("204 No Content", "W/\"datetime'a'\"") + Part("204 No Content", "W/\"datetime'b'\"") + Part("204 No Content", null)
            + "--changesetresponse_9--\r\n--batchresponse_9--\r\n";
        var handler = new StubHttpHandler(HttpStatusCode.Accepted, body);
        var account = StorageAccount.WithTokenCredential(
            new Uri("https://acme.table.core.windows.net"), new Uri("https://acme.queue.core.windows.net"), new StorageAccountTests.FakeTokenCredential());

        var etags = await Table(handler, account).SubmitTransactionAsync("t12",
        [
            new(TableTransactionActionType.Insert, new TableEntity("p", "r0")),
            new(TableTransactionActionType.Replace, new TableEntity("p", "r'1"), new ETag("W/\"v\"")),
            new(TableTransactionActionType.Delete, new TableEntity("p", "r2"), ETag.All),
        ]);

        Assert.Equal([new ETag("W/\"datetime'a'\""), new ETag("W/\"datetime'b'\""), default], etags);
        var sent = Assert.Single(handler.Requests);
        Assert.Equal("https://acme.table.core.windows.net/$batch", sent.Uri.AbsoluteUri);
        Assert.Contains("POST https://acme.table.core.windows.net/t12 HTTP/1.1\r\n", sent.Body, StringComparison.Ordinal);
        Assert.Contains("PUT https://acme.table.core.windows.net/t12(PartitionKey='p',RowKey='r%27%271') HTTP/1.1\r\n", sent.Body, StringComparison.Ordinal);
        Assert.Contains("If-Match: W/\"v\"\r\n", sent.Body, StringComparison.Ordinal);
        Assert.Contains("DELETE https://acme.table.core.windows.net/t12(PartitionKey='p',RowKey='r2') HTTP/1.1\r\n", sent.Body, StringComparison.Ordinal);
        Assert.Contains("If-Match: *\r\n", sent.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzureAdAccountsSendABearerTokenForTheStorageScope()
    {
        var credential = new StorageAccountTests.FakeTokenCredential();
        var account = StorageAccount.WithTokenCredential(
            new Uri("https://acme.table.core.windows.net"), new Uri("https://acme.queue.core.windows.net"), credential);
        var handler = new StubHttpHandler(HttpStatusCode.OK, null, ("x-ms-approximate-messages-count", "7"));

        Assert.Equal(7, await Queue(handler, account).GetApproximateMessageCountAsync("jobs"));

        var sent = Assert.Single(handler.Requests);
        Assert.Equal("https://acme.queue.core.windows.net/jobs?comp=metadata", sent.Uri.AbsoluteUri);
        Assert.Equal("Bearer fake-token", sent.Header("Authorization"));
        Assert.Equal("2019-02-02", sent.Header("x-ms-version"));
        Assert.Equal(["https://storage.azure.com/.default"], Assert.Single(credential.Scopes));
    }

    [Fact]
    public async Task QueueSendEncodesTextAndTimesInWholeSeconds()
    {
        var handler = new StubHttpHandler(HttpStatusCode.Created,
            "<QueueMessagesList><QueueMessage><MessageId>m1</MessageId><InsertionTime>Fri, 02 Jan 2026 03:04:05 GMT</InsertionTime>"
            + "<ExpirationTime>Fri, 31 Dec 9999 23:59:59 GMT</ExpirationTime><PopReceipt>pr</PopReceipt>"
            + "<TimeNextVisible>Fri, 02 Jan 2026 03:04:07 GMT</TimeNextVisible></QueueMessage></QueueMessagesList>");

        var sent = await Queue(handler).SendAsync("jobs", "<a&b>", TimeSpan.FromSeconds(1.2), Timeout.InfiniteTimeSpan);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("/devstoreaccount1/jobs/messages?visibilitytimeout=2&messagettl=-1", request.Uri.PathAndQuery);
        Assert.Contains("<MessageText>PGEmYj4=</MessageText>", request.Body, StringComparison.Ordinal);
        Assert.Equal(new SentQueueMessage("m1", "pr",
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 2, 3, 4, 7, TimeSpan.Zero)), sent);
    }

    [Fact]
    public async Task QueuePeekAsksForPeekOnlyDecodesTextAndMayBeRetried()
    {
        var answers = new Queue<HttpResponseMessage>([
            StubHttpHandler.Response(HttpStatusCode.ServiceUnavailable, null, ("x-ms-error-code", "ServerBusy")),
            StubHttpHandler.Response(HttpStatusCode.OK,
                "<QueueMessagesList><QueueMessage><MessageId>m1</MessageId><InsertionTime>Fri, 02 Jan 2026 03:04:05 GMT</InsertionTime>"
                + "<ExpirationTime>Fri, 09 Jan 2026 03:04:05 GMT</ExpirationTime><DequeueCount>2</DequeueCount>"
                + "<MessageText>PGEmYj4=</MessageText></QueueMessage></QueueMessagesList>"),
        ]);
        var handler = new StubHttpHandler(_ => answers.Dequeue());
        var queue = new QueueStorageClient(DevAccount, new QueueClientOptions
        {
            Transport = handler.Transport,
            Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1) },
        });

        var peeked = Assert.Single(await queue.PeekAsync("jobs", 5));

        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal(("GET", "/devstoreaccount1/jobs/messages?peekonly=true&numofmessages=5"), (r.Method, r.Uri.PathAndQuery)));
        Assert.Equal(new PeekedQueueMessage("m1", "<a&b>", 2,
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 9, 3, 4, 5, TimeSpan.Zero)), peeked);
    }

    [Fact]
    public async Task ArgumentsAreRefusedBeforeAnythingIsSent()
    {
        var handler = new StubHttpHandler(HttpStatusCode.OK);
        var queue = Queue(handler);
        var table = Table(handler);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.ReceiveAsync("jobs", 33, TimeSpan.FromSeconds(1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.ReceiveAsync("jobs", 1, TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.PeekAsync("jobs", 33));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.SendAsync("jobs", "x", TimeSpan.FromDays(8)));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.SendAsync("Bad_Queue", "x"));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.DeleteMessageAsync("jobs", "id", ""));
        await Assert.ThrowsAsync<ArgumentException>(() => table.GetEntityIfExistsAsync("t12", "p", "a/b"));
        await Assert.ThrowsAsync<ArgumentException>(() => table.CreateTableIfNotExistsAsync("tables"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => table.QueryAsync("t12", new TableQuery("p") { Top = 1001 }));
        Assert.Empty(handler.Requests);
    }
}
