using System.Text;
using System.Text.RegularExpressions;
using Azure;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// An entity group transaction as OData <c>$batch</c>: one <c>multipart/mixed</c> batch holding one
/// changeset, one <c>application/http</c> part per operation. The 202 response holds either one part
/// per operation (their ETags) or a single failure part naming the failing operation.
/// </summary>
internal static partial class TableTransactionBatch
{
    /// <summary>The request body; <paramref name="entityUrl"/> gives an operation's absolute URL.</summary>
    public static byte[] Build(string batchId, string tableUrl, IReadOnlyList<TableTransactionAction> actions, Func<TableEntity, string> entityUrl)
    {
        var changeset = "changeset_" + batchId;
        var sb = new StringBuilder()
            .Append("--batch_").Append(batchId).Append("\r\n")
            .Append("Content-Type: multipart/mixed; boundary=").Append(changeset).Append("\r\n\r\n");
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            var (method, url, ifMatch, body) = action.ActionType switch
            {
                TableTransactionActionType.Insert => ("POST", tableUrl, null, true),
                TableTransactionActionType.Replace => ("PUT", entityUrl(action.Entity), action.IfMatch.ToString(), true),
                TableTransactionActionType.Merge => ("MERGE", entityUrl(action.Entity), action.IfMatch.ToString(), true),
                TableTransactionActionType.UpsertReplace => ("PUT", entityUrl(action.Entity), (string?)null, true),
                TableTransactionActionType.UpsertMerge => ("MERGE", entityUrl(action.Entity), null, true),
                TableTransactionActionType.Delete => ("DELETE", entityUrl(action.Entity), action.IfMatch.ToString(), false),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.ActionType, "Unknown transaction action."),
            };
            sb.Append("--").Append(changeset).Append("\r\n")
              .Append("Content-Type: application/http\r\n")
              .Append("Content-Transfer-Encoding: binary\r\n")
              .Append("Content-ID: ").Append(i + 1).Append("\r\n\r\n")
              .Append(method).Append(' ').Append(url).Append(" HTTP/1.1\r\n")
              .Append("Accept: application/json;odata=minimalmetadata\r\n")
              .Append("DataServiceVersion: 3.0\r\n");
            if (ifMatch is not null)
            {
                sb.Append("If-Match: ").Append(ifMatch).Append("\r\n");
            }
            if (body)
            {
                sb.Append("Content-Type: application/json\r\n");
                if (method == "POST")
                {
                    sb.Append("Prefer: return-no-content\r\n");
                }
                sb.Append("\r\n").Append(Encoding.UTF8.GetString(TableEntityJson.Write(action.Entity))).Append("\r\n");
            }
            else
            {
                sb.Append("\r\n");
            }
        }
        sb.Append("--").Append(changeset).Append("--\r\n")
          .Append("--batch_").Append(batchId).Append("--\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The ETag of each operation (default for deletes), or a <see cref="TableTransactionFailedException"/>.</summary>
    public static IReadOnlyList<ETag> ParseResponse(string body, IReadOnlyList<TableTransactionAction> actions)
    {
        var parts = Parts(body);
        var failure = parts.FirstOrDefault(p => p.Status >= 400);
        if (failure is not null)
        {
            var (code, message) = StorageErrorParserBody(failure.Body);
            message ??= $"Transaction failed with status {failure.Status}.";
            var index = FailedIndexPrefix().Match(message) is { Success: true } m
                ? int.Parse(m.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture)
                : failure.Headers.TryGetValue("Content-ID", out var id) && int.TryParse(id, out var contentId)
                    ? contentId - 1
                    : 0;
            throw new TableTransactionFailedException(failure.Status, message, code, index);
        }
        if (parts.Count != actions.Count)
        {
            throw new RequestFailedException($"Transaction response has {parts.Count} parts for {actions.Count} operations.");
        }
        var etags = new ETag[actions.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            if (actions[i].ActionType != TableTransactionActionType.Delete && parts[i].Headers.TryGetValue("ETag", out var etag))
            {
                etags[i] = new ETag(etag);
            }
        }
        return etags;
    }

    private static (string? Code, string? Message) StorageErrorParserBody(string body)
    {
        var trimmed = body.Trim();
        if (!trimmed.StartsWith('{'))
        {
            return (null, trimmed.Length == 0 ? null : trimmed);
        }
        try
        {
            return StorageErrorParser.ReadJson(trimmed);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, trimmed);
        }
    }

    private sealed record Part(int Status, Dictionary<string, string> Headers, string Body);

    /// <summary>The HTTP responses inside the changeset (or the batch, when the service sent no changeset).</summary>
    private static List<Part> Parts(string body)
    {
        body = body.Replace("\r\n", "\n", StringComparison.Ordinal);
        var boundary = ChangesetBoundary().Match(body) is { Success: true } m ? m.Groups[1].Value : null;
        var segments = boundary is null ? [body] : body.Split("--" + boundary);
        var parts = new List<Part>();
        foreach (var segment in segments)
        {
            var start = segment.IndexOf("\nHTTP/1.1 ", StringComparison.Ordinal);
            if (start < 0)
            {
                continue;
            }
            var lines = segment[(start + 1)..].Split('\n');
            var status = int.Parse(lines[0].AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var i = 1;
            for (; i < lines.Length && lines[i].Length > 0; i++)
            {
                var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    headers[lines[i][..colon].Trim()] = lines[i][(colon + 1)..].Trim();
                }
            }
            var content = string.Join('\n', lines.Skip(i + 1));
            var end = content.IndexOf("\n--", StringComparison.Ordinal);
            parts.Add(new Part(status, headers, end < 0 ? content : content[..end]));
        }
        return parts;
    }

    [GeneratedRegex(@"boundary=(changesetresponse_[^\s;""]+)")]
    private static partial Regex ChangesetBoundary();

    [GeneratedRegex(@"^\s*(\d+):")]
    private static partial Regex FailedIndexPrefix();
}
