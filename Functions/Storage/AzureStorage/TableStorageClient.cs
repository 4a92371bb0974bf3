using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// <see cref="ITableStore"/> over the Table service REST API (OData JSON) on Azure.Core's pipeline.
/// Immutable and thread-safe: register one per account as a singleton.
/// </summary>
public sealed class TableStorageClient : ITableStore
{
    private const string JsonMetadata = "application/json;odata=minimalmetadata";
    private static readonly RequestMethod Merge = new("MERGE");

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;

    public TableStorageClient(StorageAccount account)
        : this(account, new TableClientOptions())
    {
    }

    public TableStorageClient(StorageAccount account, TableClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        _endpoint = account.TableEndpoint;
        _pipeline = StoragePipeline.Build(options, account, options.Version, key => new TableSharedKeyPolicy(key));
    }

    public string Kind => "azure";

    public async Task CreateTableIfNotExistsAsync(string table, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateTableName(table);
        using var message = CreateMessage(RequestMethod.Post, "/Tables");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJson(message.Request, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = table }));
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 201, 204, 409).ConfigureAwait(false);
        if (response.Status == 409 && StoragePipeline.ErrorCode(response) != "TableAlreadyExists")
        {
            throw StoragePipeline.Failure(response);
        }
    }

    public async Task<TableEntity?> GetEntityIfExistsAsync(string table, string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateTableName(table);
        TableRules.ValidateKey(partitionKey, nameof(partitionKey));
        TableRules.ValidateKey(rowKey, nameof(rowKey));
        using var message = CreateMessage(RequestMethod.Get, EntityPath(table, partitionKey, rowKey));
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 200, 404).ConfigureAwait(false);
        if (response.Status == 404)
        {
            // A missing row is expected; a missing table is a deployment error and stays one.
            return StoragePipeline.ErrorCode(response) == StorageErrorCodes.TableNotFound ? throw StoragePipeline.Failure(response) : null;
        }
        using var doc = JsonDocument.Parse(response.Content.ToMemory());
        return TableEntityJson.Read(doc.RootElement, response.Headers.TryGetValue("ETag", out var etag) ? etag : null);
    }

    public async Task<ETag> InsertAsync(string table, TableEntity entity, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateTableName(table);
        TableRules.ValidateForWrite(entity);
        using var message = CreateMessage(RequestMethod.Post, "/" + table);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJson(message.Request, TableEntityJson.Write(entity));
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 201, 204).ConfigureAwait(false);
        return ETagOf(response);
    }

    public Task<ETag> ReplaceAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, RequestMethod.Put, IfMatch(ifMatch), cancellationToken);

    public Task<ETag> MergeAsync(string table, TableEntity entity, ETag ifMatch, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, Merge, IfMatch(ifMatch), cancellationToken);

    public Task<ETag> UpsertAsync(string table, TableEntity entity, TableUpsertMode mode = TableUpsertMode.Replace, CancellationToken cancellationToken = default) =>
        WriteAsync(table, entity, mode switch
        {
            TableUpsertMode.Replace => RequestMethod.Put,
            TableUpsertMode.Merge => Merge,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown upsert mode."),
        }, ifMatch: null, cancellationToken);

    public async Task DeleteAsync(string table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateTableName(table);
        TableRules.ValidateKey(partitionKey, nameof(partitionKey));
        TableRules.ValidateKey(rowKey, nameof(rowKey));
        using var message = CreateMessage(RequestMethod.Delete, EntityPath(table, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", IfMatch(ifMatch));
        await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 204).ConfigureAwait(false);
    }

    public async Task<TablePage> QueryAsync(string table, TableQuery query, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateTableName(table);
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        using var message = CreateMessage(RequestMethod.Get, "/" + table + "()");
        var uri = new StringBuilder("?$filter=").Append(Uri.EscapeDataString(TableODataFilter.Render(query)));
        if (query.Top is { } top)
        {
            uri.Append("&$top=").Append(top);
        }
        if (continuationToken is not null)
        {
            var (nextPartition, nextRow) = TableContinuation.Decode(continuationToken);
            uri.Append("&NextPartitionKey=").Append(Uri.EscapeDataString(nextPartition));
            if (nextRow.Length > 0)
            {
                uri.Append("&NextRowKey=").Append(Uri.EscapeDataString(nextRow));
            }
        }
        message.Request.Uri.Query = uri.ToString();
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 200).ConfigureAwait(false);

        using var doc = JsonDocument.Parse(response.Content.ToMemory());
        var entities = doc.RootElement.GetProperty("value").EnumerateArray().Select(e => TableEntityJson.Read(e)).ToList();
        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var partition);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var row);
        return new TablePage(entities, TableContinuation.Encode(partition, row));
    }

    public async Task<IReadOnlyList<ETag>> SubmitTransactionAsync(string table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        TableRules.ValidateTableName(table);
        TableRules.ValidateTransaction(actions);
        var batchId = Guid.NewGuid().ToString("N");
        var baseUrl = _endpoint.AbsoluteUri.TrimEnd('/'); // a root endpoint's AbsoluteUri ends with '/'
        var body = TableTransactionBatch.Build(batchId, baseUrl + "/" + table, actions,
            e => baseUrl + EntityPath(table, e.PartitionKey, e.RowKey));

        using var message = CreateMessage(RequestMethod.Post, "/$batch");
        message.Request.Headers.SetValue("Content-Type", "multipart/mixed; boundary=batch_" + batchId);
        message.Request.Content = RequestContent.Create(body);
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 202).ConfigureAwait(false);
        return TableTransactionBatch.ParseResponse(response.Content.ToString(), actions);
    }

    private async Task<ETag> WriteAsync(string table, TableEntity entity, RequestMethod method, string? ifMatch, CancellationToken cancellationToken)
    {
        TableRules.ValidateTableName(table);
        TableRules.ValidateForWrite(entity);
        using var message = CreateMessage(method, EntityPath(table, entity.PartitionKey, entity.RowKey));
        if (ifMatch is not null)
        {
            message.Request.Headers.SetValue("If-Match", ifMatch);
        }
        SetJson(message.Request, TableEntityJson.Write(entity));
        var response = await StoragePipeline.SendAsync(_pipeline, message, cancellationToken, 204).ConfigureAwait(false);
        return ETagOf(response);
    }

    private HttpMessage CreateMessage(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath(path, escape: false);
        request.Headers.SetValue("Accept", JsonMetadata);
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        return message;
    }

    private static void SetJson(Request request, byte[] body)
    {
        request.Headers.SetValue("Content-Type", "application/json");
        request.Content = RequestContent.Create(body);
    }

    /// <summary><c>/t(PartitionKey='a''b',RowKey='c')</c> with each key percent-encoded; the signature covers exactly this text.</summary>
    internal static string EntityPath(string table, string partitionKey, string rowKey) =>
        $"/{table}(PartitionKey='{EscapeKey(partitionKey)}',RowKey='{EscapeKey(rowKey)}')";

    private static string EscapeKey(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    private static string IfMatch(ETag etag) => TableRules.RequireIfMatch(etag).ToString();

    /// <summary>The ETag header byte for byte (Azure.Core's parsed ETag would drop a strong ETag's quotes).</summary>
    private static ETag ETagOf(Response response) =>
        response.Headers.TryGetValue("ETag", out var etag)
            ? new ETag(etag)
            : throw new RequestFailedException(response.Status, "The Table service returned no ETag.");
}

/// <summary>The service's NextPartitionKey/NextRowKey pair as one opaque token (Base64url of "pk\nrk").</summary>
internal static class TableContinuation
{
    public static string? Encode(string? nextPartitionKey, string? nextRowKey) =>
        string.IsNullOrEmpty(nextPartitionKey)
            ? null
            : Base64UrlEncode(Encoding.UTF8.GetBytes(nextPartitionKey + "\n" + (nextRowKey ?? "")));

    public static (string NextPartitionKey, string NextRowKey) Decode(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token));
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            if (newline > 0)
            {
                return (text[..newline], text[(newline + 1)..]);
            }
        }
        catch (FormatException)
        {
        }
        throw new ArgumentException("The continuation token is not one this store returned.", nameof(token));
    }

    private static string Base64UrlEncode(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
