using System.Text;
using System.Text.Json;
using Functions.Templates;

namespace Functions.Channels.Meta;

/// <summary>
/// Submits message templates to Meta for review and reads their status, through the WhatsApp
/// Business Account's <c>message_templates</c> edge:
/// <list type="bullet">
/// <item><see cref="SubmitAsync(MetaAccount, TemplateDefinition, string?, CancellationToken)"/>:
/// <c>POST {BaseUrl}/{ApiVersion}/{BusinessAccountId}/message_templates</c> (body in <see cref="MetaTemplatePayload"/>),
/// answered <c>{"id":"…","status":"PENDING","category":"UTILITY"}</c>.</item>
/// <item><see cref="UploadExampleAsync"/>: a media header's example file over the Resumable Upload API,
/// <c>POST {BaseUrl}/{ApiVersion}/{AppId}/uploads?file_name=…&amp;file_length=…&amp;file_type=…</c> (Bearer token),
/// answered <c>{"id":"upload:…"}</c>, then <c>POST {BaseUrl}/{ApiVersion}/upload:…</c> with
/// <c>Authorization: OAuth {token}</c>, <c>file_offset: 0</c> and the bytes, answered <c>{"h":"4::…"}</c>.</item>
/// <item><see cref="GetStatusAsync"/> and <see cref="ListAsync"/>:
/// <c>GET …/message_templates?fields=id,name,language,status,rejected_reason,quality_score</c> (with
/// <c>name=</c> for one template), answered <c>{"data":[…],"paging":{"cursors":{"after":"…"},"next":"…"}}</c>;
/// pages are followed while <c>paging.next</c> is present.</item>
/// </list>
/// <para>Status mapping (Meta's <c>status</c> → <see cref="ProviderTemplateStatus"/>):
/// APPROVED → Approved; PENDING, IN_APPEAL → Pending; REJECTED → Rejected; PAUSED → Paused;
/// DISABLED, PENDING_DELETION, DELETED, ARCHIVED → Disabled; anything else (LIMIT_EXCEEDED, a new
/// word) → Unknown, with Meta's word in <see cref="TemplateReview.ProviderStatus"/>.
/// <c>rejected_reason</c> <c>NONE</c> reads as no reason; <c>quality_score.score</c>
/// (GREEN, YELLOW, RED, UNKNOWN) is the quality rating.</para>
/// <para>Failures are those of <see cref="MetaClient"/>: an error body is a
/// <see cref="ChannelSendException"/> classified by <see cref="MetaErrors"/> (retryable for 429 and
/// 5xx, with <c>Retry-After</c>); no answer in time is <see cref="SendOutcomeUnknownException"/> (for a
/// submit, the template may exist: look it up with <see cref="GetStatusAsync"/> before submitting
/// again, since Meta refuses a second template with the same name and language); a connection that
/// never opened propagates as <see cref="HttpRequestException"/>. The client never retries and logs nothing.</para>
/// <para>Meta allows 100 template creations per WhatsApp Business Account per hour (providers.md §8).</para>
/// </summary>
public sealed class MetaTemplateClient
{
    /// <summary>The fields read from each template; nothing else is asked for.</summary>
    internal const string Fields = "id,name,language,status,rejected_reason,quality_score";

    /// <summary>A guard against a paging loop: at 25 templates a page this is far beyond WhatsApp's 6,000-template cap.</summary>
    private const int MaxPages = 1000;

    private readonly GraphTransport _graph;
    private readonly Uri _baseUrl;
    private readonly string _apiVersion;

    public MetaTemplateClient(HttpClient http, MetaClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(options));
        _graph = new GraphTransport(http, options.Timeout);
        _baseUrl = options.BaseUrl;
        _apiVersion = options.ApiVersion;
    }

    /// <inheritdoc cref="SubmitAsync(MetaAccount, TemplateDefinition, string?, CancellationToken)"/>
    public Task<TemplateSubmitted> SubmitAsync(MetaAccount account, TemplateDefinition definition, CancellationToken cancellationToken = default) =>
        SubmitAsync(account, definition, null, cancellationToken);

    /// <summary>Submits a template for review.</summary>
    /// <param name="account">The tenant's Meta account; its <see cref="MetaAccount.BusinessAccountId"/> owns the template.</param>
    /// <param name="definition">The template (checked as <see cref="CheckedTemplate"/> describes before anything is sent).</param>
    /// <param name="mediaHeaderHandle">
    /// For an image, video or document header: the example file's upload handle (<c>4::…</c>). Meta
    /// takes a media header's example only as a handle from its Resumable Upload API
    /// (<c>POST /{app-id}/uploads</c>, then the bytes), which needs the Meta app's id and the file itself;
    /// this client does neither, so the caller uploads <see cref="TemplateHeader.MediaExampleUrl"/>'s file
    /// and passes the handle. Ignored for other headers.
    /// </param>
    /// <returns>Meta's template id and its first status (normally <c>PENDING</c>; Meta may approve at once).</returns>
    /// <exception cref="ArgumentException">The definition breaks a documented rule, or a media header has no handle; nothing was sent.</exception>
    /// <exception cref="ChannelSendException">Meta refused the template or failed.</exception>
    /// <exception cref="SendOutcomeUnknownException">No usable answer: the template may have been created.</exception>
    /// <exception cref="HttpRequestException">No connection could be made; nothing was sent.</exception>
    public async Task<TemplateSubmitted> SubmitAsync(MetaAccount account, TemplateDefinition definition, string? mediaHeaderHandle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(definition);
        var template = CheckedTemplate.From(definition);
        if (template.Header is { Format: not HeaderFormat.Text } && string.IsNullOrWhiteSpace(mediaHeaderHandle))
        {
            throw new ArgumentException(
                "Meta needs an upload handle for a media header's example: upload the example file with Meta's Resumable Upload API " +
                "and pass the handle ('4::…') as mediaHeaderHandle.", nameof(mediaHeaderHandle));
        }
        var body = MetaTemplatePayload.Create(template, mediaHeaderHandle);

        var answer = await _graph.SendAsync(HttpMethod.Post, TemplatesUrl(account, null), account.AccessToken, body, cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess)
        {
            throw answer.ToException();
        }
        return ParseSubmitted(answer.Body)
            ?? throw new SendOutcomeUnknownException($"Meta answered HTTP {answer.Status} to a template submit without a template id; the template may have been created.");
    }

    /// <summary>The largest example file per media type this client uploads (Meta's media limits: images 5 MB, videos 16 MB; documents capped at 16 MB here).</summary>
    public static IReadOnlyDictionary<string, int> ExampleMediaTypes { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["image/jpeg"] = 5 * 1024 * 1024,
        ["image/png"] = 5 * 1024 * 1024,
        ["video/mp4"] = 16 * 1024 * 1024,
        ["application/pdf"] = 16 * 1024 * 1024,
    };

    /// <summary>The media types a header of <paramref name="format"/> takes as its example.</summary>
    public static bool FitsHeader(HeaderFormat format, string contentType) => format switch
    {
        HeaderFormat.Image => contentType is "image/jpeg" or "image/png",
        HeaderFormat.Video => contentType is "video/mp4",
        HeaderFormat.Document => contentType is "application/pdf",
        _ => false,
    };

    /// <summary>
    /// Uploads a media header's example file with Meta's Resumable Upload API and returns its
    /// handle for <see cref="SubmitAsync(MetaAccount, TemplateDefinition, string?, CancellationToken)"/>:
    /// first <c>POST /{app-id}/uploads?file_name=&amp;file_length=&amp;file_type=</c> (Bearer token, no body)
    /// opens an upload session <c>{"id":"upload:…"}</c>; then <c>POST /upload:…</c> with
    /// <c>Authorization: OAuth {token}</c>, <c>file_offset: 0</c> and the whole file as the body
    /// answers <c>{"h":"4::…"}</c>. The session request goes to our own base URL, never to a host from an answer.
    /// </summary>
    /// <param name="account">The tenant's Meta account; its <see cref="MetaAccount.AppId"/> owns the upload.</param>
    /// <param name="file">The file's bytes (JPEG or PNG up to 5 MB, MP4 or PDF up to 16 MB).</param>
    /// <param name="fileName">A name for the file (Meta's <c>file_name</c>).</param>
    /// <param name="contentType">Its media type: <c>image/jpeg</c>, <c>image/png</c>, <c>video/mp4</c> or <c>application/pdf</c>.</param>
    /// <returns>The header handle (<c>4::…</c>).</returns>
    /// <exception cref="ArgumentException">No app id, an empty or oversized file, or a media type Meta does not take; nothing was sent.</exception>
    /// <exception cref="ChannelSendException">Meta refused or failed either request, or answered without a session id or handle.</exception>
    /// <exception cref="SendOutcomeUnknownException">No answer in time (nothing is created by an upload alone).</exception>
    /// <exception cref="HttpRequestException">No connection could be made.</exception>
    public async Task<string> UploadExampleAsync(MetaAccount account, byte[] file, string fileName, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(file);
        if (account.AppId is null)
        {
            throw new ArgumentException(
                "The tenant's Meta settings have no appId: Meta takes a media header's example only as a file uploaded to the Meta app " +
                "(Resumable Upload API), so set provider.appId to the Meta app's id.", nameof(account));
        }
        var type = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (type == "image/jpg")
        {
            type = "image/jpeg";
        }
        if (!ExampleMediaTypes.TryGetValue(type, out var max))
        {
            throw new ArgumentException($"Meta takes a header example as JPEG, PNG, MP4 or PDF, not '{Shown(contentType ?? "")}'.", nameof(contentType));
        }
        if (file.Length == 0 || file.Length > max)
        {
            throw new ArgumentException($"The example file has {file.Length} bytes; a {type} example is 1 byte to {max / (1024 * 1024)} MB.", nameof(file));
        }
        var name = string.IsNullOrWhiteSpace(fileName) ? "example" : fileName.Trim();

        var sessionUrl = new Uri(
            MetaClientOptions.NodeUrl(_baseUrl, _apiVersion, account.AppId, "uploads").AbsoluteUri
            + "?file_name=" + Uri.EscapeDataString(name)
            + "&file_length=" + file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + "&file_type=" + Uri.EscapeDataString(type), UriKind.Absolute);
        var session = await _graph.SendAsync(HttpMethod.Post, sessionUrl, account.AccessToken, null, cancellationToken).ConfigureAwait(false);
        if (!session.IsSuccess)
        {
            throw session.ToException();
        }
        var sessionId = StringField(session.Body, "id");
        if (sessionId is null || !sessionId.StartsWith("upload:", StringComparison.Ordinal) || UploadUrl(sessionId) is not { } uploadUrl)
        {
            throw new ChannelSendException(new ProviderError("upload", "Meta answered an upload session request without a usable 'upload:' session id.", FailureReason.Other), session.Status);
        }

        var upload = await _graph.SendAsync(HttpMethod.Post, uploadUrl, account.AccessToken, file, cancellationToken,
            contentType: type, authScheme: "OAuth", headers: [new("file_offset", "0")]).ConfigureAwait(false);
        if (!upload.IsSuccess)
        {
            throw upload.ToException();
        }
        return StringField(upload.Body, "h") is { Length: > 0 } handle
            ? handle
            : throw new ChannelSendException(new ProviderError("upload", "Meta answered the file upload without a file handle ('h').", FailureReason.Other), upload.Status);
    }

    /// <summary>
    /// <c>{base}/{version}/upload:…</c>. The session id may carry its own query (<c>upload:…?sig=…</c>, as
    /// Meta's examples show); it is placed on our base URL with anything outside a safe set escaped.
    /// </summary>
    private Uri? UploadUrl(string sessionId)
    {
        if (sessionId.Length > 2048 || sessionId.Any(c => c <= ' ' || c > '~' || c is '#' or '\\'))
        {
            return null;
        }
        var split = sessionId.IndexOf('?', StringComparison.Ordinal);
        var path = split < 0 ? sessionId : sessionId[..split];
        var query = split < 0 ? "" : "?" + Escape(sessionId[(split + 1)..], "=&");
        return new Uri($"{_baseUrl.AbsoluteUri.TrimEnd('/')}/{_apiVersion}/{Escape(path, ":=")}{query}", UriKind.Absolute);

        static string Escape(string value, string keep) => string.Concat(value.Select(c =>
            char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' || keep.Contains(c, StringComparison.Ordinal)
                ? c.ToString()
                : Uri.EscapeDataString(c.ToString())));
    }

    private static string? StringField(byte[] body, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? StringOrNull(document.RootElement, name) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shown(string value) => value.Length > 60 ? value[..60] + "…" : value;

    /// <summary>
    /// Reads one template's review by name and language. Meta's <c>name</c> filter may match more
    /// than one template, so every page is read and the exact name and language picked.
    /// </summary>
    /// <returns>The review, or null when the account has no such template.</returns>
    /// <exception cref="ChannelSendException">Meta refused the read or failed.</exception>
    /// <exception cref="SendOutcomeUnknownException">No usable answer in time.</exception>
    public async Task<TemplateReview?> GetStatusAsync(MetaAccount account, string name, string language, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(language);
        var wanted = language.Replace('-', '_');
        var all = await ReadAllAsync(account, name, cancellationToken).ConfigureAwait(false);
        return all.FirstOrDefault(t => t.Name == name && string.Equals(t.Language?.Replace('-', '_'), wanted, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reads every template of the account, following Meta's pages.</summary>
    /// <exception cref="ChannelSendException">Meta refused the read or failed.</exception>
    /// <exception cref="SendOutcomeUnknownException">No usable answer in time.</exception>
    public Task<IReadOnlyList<TemplateReview>> ListAsync(MetaAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        return ReadAllAsync(account, null, cancellationToken);
    }

    /// <summary>Meta's template status in our words (the table in the class summary).</summary>
    public static ProviderTemplateStatus MapStatus(string? status) => status?.ToUpperInvariant() switch
    {
        "APPROVED" => ProviderTemplateStatus.Approved,
        "PENDING" or "IN_APPEAL" => ProviderTemplateStatus.Pending,
        "REJECTED" => ProviderTemplateStatus.Rejected,
        "PAUSED" => ProviderTemplateStatus.Paused,
        "DISABLED" or "PENDING_DELETION" or "DELETED" or "ARCHIVED" => ProviderTemplateStatus.Disabled,
        _ => ProviderTemplateStatus.Unknown,
    };

    private async Task<IReadOnlyList<TemplateReview>> ReadAllAsync(MetaAccount account, string? name, CancellationToken cancellationToken)
    {
        var reviews = new List<TemplateReview>();
        string? after = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var url = TemplatesUrl(account, Query(name, after));
            var answer = await _graph.SendAsync(HttpMethod.Get, url, account.AccessToken, null, cancellationToken).ConfigureAwait(false);
            if (!answer.IsSuccess)
            {
                throw answer.ToException();
            }
            var (items, hasNext, next) = ParsePage(answer)
                ?? throw new SendOutcomeUnknownException($"Meta answered HTTP {answer.Status} to a template read without a data list.");
            reviews.AddRange(items);
            if (!hasNext)
            {
                return reviews;
            }
            if (next is null)
            {
                throw new ChannelSendException(new ProviderError("paging", "Meta announced another page of templates without a cursor to read it.", FailureReason.Other), answer.Status);
            }
            if (next == after)
            {
                throw new ChannelSendException(new ProviderError("paging", "Meta returned the same paging cursor twice; the template list cannot be read to its end.", FailureReason.Other), answer.Status);
            }
            after = next;
        }
        throw new ChannelSendException(new ProviderError("paging", $"Meta's template list ran past {MaxPages} pages.", FailureReason.Other), 200);
    }

    private Uri TemplatesUrl(MetaAccount account, string? query)
    {
        var url = MetaClientOptions.NodeUrl(_baseUrl, _apiVersion, account.BusinessAccountId, "message_templates");
        return query is null ? url : new Uri(url.AbsoluteUri + "?" + query, UriKind.Absolute);
    }

    private static string Query(string? name, string? after)
    {
        var query = new StringBuilder("fields=").Append(Uri.EscapeDataString(Fields));
        if (name is not null)
        {
            query.Append("&name=").Append(Uri.EscapeDataString(name));
        }
        if (after is not null)
        {
            query.Append("&after=").Append(Uri.EscapeDataString(after));
        }
        return query.ToString();
    }

    /// <summary><c>{"id":"594425479261596","status":"PENDING","category":"UTILITY"}</c></summary>
    private static TemplateSubmitted? ParseSubmitted(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Id(root) is not { } id)
            {
                return null;
            }
            return new TemplateSubmitted(id, StringOrNull(root, "status") ?? "");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// One page: <c>{"data":[{"id","name","language","status","rejected_reason","quality_score":{"score"}}],
    /// "paging":{"cursors":{"before","after"},"next"}}</c>. The next cursor is <c>paging.cursors.after</c>
    /// (or the <c>after</c> of <c>paging.next</c>) while <c>paging.next</c> is present. The next request
    /// is built on our own base URL, so the token never follows a URL from the answer.
    /// </summary>
    private static (List<TemplateReview> Items, bool HasNext, string? Next)? ParsePage(GraphAnswer answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            var items = new List<TemplateReview>(data.GetArrayLength());
            foreach (var entry in data.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object && Id(entry) is { } id)
                {
                    items.Add(Review(id, entry));
                }
            }
            var (hasNext, next) = NextCursor(root);
            return (items, hasNext, next);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TemplateReview Review(string id, JsonElement entry)
    {
        var status = StringOrNull(entry, "status");
        var reason = StringOrNull(entry, "rejected_reason");
        if (string.IsNullOrEmpty(reason) || reason.Equals("NONE", StringComparison.OrdinalIgnoreCase))
        {
            reason = null;
        }
        string? quality = null;
        if (entry.TryGetProperty("quality_score", out var score))
        {
            quality = score.ValueKind switch
            {
                JsonValueKind.Object => StringOrNull(score, "score"),
                JsonValueKind.String => score.GetString(),
                _ => null,
            };
        }
        return new TemplateReview(id, StringOrNull(entry, "name"), StringOrNull(entry, "language"), MapStatus(status), reason, quality, status ?? "");
    }

    private static (bool HasNext, string? Cursor) NextCursor(JsonElement root)
    {
        if (!root.TryGetProperty("paging", out var paging) || paging.ValueKind != JsonValueKind.Object
            || StringOrNull(paging, "next") is not { Length: > 0 } next)
        {
            return (false, null);
        }
        if (paging.TryGetProperty("cursors", out var cursors) && cursors.ValueKind == JsonValueKind.Object
            && StringOrNull(cursors, "after") is { Length: > 0 } after)
        {
            return (true, after);
        }
        if (Uri.TryCreate(next, UriKind.Absolute, out var nextUrl))
        {
            foreach (var pair in nextUrl.Query.TrimStart('?').Split('&'))
            {
                if (pair.StartsWith("after=", StringComparison.Ordinal) && pair.Length > "after=".Length)
                {
                    return (true, Uri.UnescapeDataString(pair["after=".Length..]));
                }
            }
        }
        return (true, null);
    }

    /// <summary>Graph ids are strings; a number is accepted too.</summary>
    private static string? Id(JsonElement element) =>
        element.TryGetProperty("id", out var id) ? id.ValueKind switch
        {
            JsonValueKind.String when id.GetString() is { Length: > 0 } s => s,
            JsonValueKind.Number => id.GetRawText(),
            _ => null,
        } : null;

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
