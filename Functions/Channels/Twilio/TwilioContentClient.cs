using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Functions.Templates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Functions.Channels.Twilio;

/// <summary>
/// Creates WhatsApp templates in Twilio's Content API and asks for their WhatsApp approval, on
/// <see cref="TwilioClientOptions.ContentBaseUrl"/> (<c>https://content.twilio.com</c>) with the same
/// Basic auth as the Messages API. One instance serves every tenant; thread-safe.
/// <list type="bullet">
/// <item><see cref="CreateAsync"/>: <c>POST /v1/Content</c>, JSON (<see cref="TwilioContentPayload"/>:
/// content type per components, one variable numbering for the whole content, see <see cref="VariablesOf"/>),
/// answered with the Content SID (<c>HX…</c>).</item>
/// <item><see cref="RequestApprovalAsync"/>: <c>POST /v1/Content/{sid}/ApprovalRequests/whatsapp</c>
/// <c>{"name","category"}</c>, answered <c>{"name","category","content_type","status","rejection_reason","allow_category_change"}</c>.</item>
/// <item><see cref="GetApprovalAsync"/>: <c>GET /v1/Content/{sid}/ApprovalRequests</c>, answered
/// <c>{"sid","account_sid","url","whatsapp":{"name","category","content_type","status","rejection_reason",…}}</c>.</item>
/// </list>
/// <para>Status mapping (<c>whatsapp.status</c> → <see cref="ProviderTemplateStatus"/>): approved → Approved;
/// received, pending → Pending; rejected → Rejected; paused → Paused; disabled → Disabled;
/// unsubmitted, or no <c>whatsapp</c> status at all → NotSubmitted; anything else → Unknown. An empty
/// <c>rejection_reason</c> reads as none. Twilio reports no quality rating and no language here.</para>
/// <para>Failures are those of <see cref="TwilioClient"/>: an error answer is a <see cref="ChannelSendException"/>
/// classified by <see cref="TwilioErrors"/> (retryable for 429 and 5xx, with <c>Retry-After</c>); a connection
/// that never opened is a retryable <see cref="ChannelSendException"/> with HTTP status 0; no usable answer
/// after the request may have left is <see cref="SendOutcomeUnknownException"/> (after a create, a content may
/// exist without our knowing its SID). The client never retries; logs carry SIDs, names, statuses and codes only.</para>
/// </summary>
public sealed partial class TwilioContentClient
{
    private readonly TwilioTransport _transport;
    private readonly TwilioClientOptions _options;
    private readonly ILogger _logger;

    public TwilioContentClient(HttpClient http, TwilioClientOptions options)
        : this(http, options, null)
    {
    }

    public TwilioContentClient(HttpClient http, TwilioClientOptions options, ILogger<TwilioContentClient>? logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _transport = new TwilioTransport(http, options, _logger);
    }

    /// <summary>
    /// The Twilio variables a definition's content has, in key order: what each fills, its sample,
    /// and its <see cref="TemplateVariables"/> key. Body placeholders keep their numbers; named body
    /// placeholders are numbered in order of first appearance; the header, then each URL suffix and
    /// copy code, follow. At send time, <c>ContentVariables[v.Key]</c> is the value of
    /// <c>v.VariableKey</c>, and for a media header the file's path on the example's host.
    /// </summary>
    /// <exception cref="ArgumentException">The definition breaks a documented rule.</exception>
    public static IReadOnlyList<ContentVariable> VariablesOf(TemplateDefinition definition) =>
        TwilioContentPayload.Variables(CheckedTemplate.From(definition));

    /// <summary>Creates the content for a template (not yet submitted to WhatsApp).</summary>
    /// <returns>The Content SID, <c>HX</c> and 32 hex digits.</returns>
    /// <exception cref="ArgumentException">The definition breaks a documented rule (WhatsApp's or Twilio's); nothing was sent.</exception>
    /// <exception cref="ChannelSendException">Twilio refused the content, or could not be reached at all.</exception>
    /// <exception cref="SendOutcomeUnknownException">The content may have been created but no SID came back.</exception>
    public async Task<string> CreateAsync(TwilioAccount account, TemplateDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(definition);
        var (body, contentType) = TwilioContentPayload.Create(CheckedTemplate.From(definition));

        var answer = await SendAsync(account, HttpMethod.Post, ContentUri("v1/Content"), body, "content create", cancellationToken).ConfigureAwait(false);
        var sid = ReadString(answer, "sid");
        if (sid is null || !TwilioClient.ContentSidPattern().IsMatch(sid))
        {
            throw new SendOutcomeUnknownException("Twilio answered a content create without a Content SID; the content may have been created.");
        }
        LogCreated(_logger, account.AccountSid, sid, definition.Name, contentType, null);
        return sid;
    }

    /// <summary>Submits a content for WhatsApp's review under a template name and category.</summary>
    /// <param name="name">The WhatsApp template name: lowercase letters, digits and underscores.</param>
    /// <returns>The Content SID and Twilio's first status (normally <c>received</c>).</returns>
    /// <exception cref="ArgumentException">A malformed SID or name; nothing was sent.</exception>
    /// <exception cref="ChannelSendException">Twilio refused the request, or could not be reached at all.</exception>
    /// <exception cref="SendOutcomeUnknownException">The request may have been accepted but no usable answer came back.</exception>
    public async Task<TemplateSubmitted> RequestApprovalAsync(TwilioAccount account, string contentSid, string name, TemplateCategory category, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        RequireContentSid(contentSid);
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException("The WhatsApp template name must be 1 to 512 lowercase letters, digits or underscores.", nameof(name));
        }
        var categoryName = category switch
        {
            TemplateCategory.Marketing => "MARKETING",
            TemplateCategory.Utility => "UTILITY",
            TemplateCategory.Authentication => "AUTHENTICATION",
            _ => throw new ArgumentException($"Category {category} is not a WhatsApp category.", nameof(category)),
        };
        var body = ApprovalBody(name, categoryName);

        var answer = await SendAsync(account, HttpMethod.Post, ContentUri($"v1/Content/{contentSid}/ApprovalRequests/whatsapp"), body, "approval request", cancellationToken).ConfigureAwait(false);
        var status = ReadString(answer, "status")
            ?? throw new SendOutcomeUnknownException("Twilio answered an approval request without a status; the request may have been accepted.");
        LogApprovalRequested(_logger, account.AccountSid, contentSid, name, status, null);
        return new TemplateSubmitted(contentSid, status);
    }

    /// <summary>Reads a content's WhatsApp approval.</summary>
    /// <exception cref="ArgumentException">A malformed SID; nothing was sent.</exception>
    /// <exception cref="ChannelSendException">Twilio refused the read (404: no such content), or could not be reached at all.</exception>
    /// <exception cref="SendOutcomeUnknownException">No usable answer.</exception>
    public async Task<TemplateReview> GetApprovalAsync(TwilioAccount account, string contentSid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        RequireContentSid(contentSid);

        var answer = await SendAsync(account, HttpMethod.Get, ContentUri($"v1/Content/{contentSid}/ApprovalRequests"), null, "approval read", cancellationToken).ConfigureAwait(false);
        return ReadReview(contentSid, answer)
            ?? throw new SendOutcomeUnknownException("Twilio answered an approval read with something that is not an approval.");
    }

    /// <summary>Twilio's WhatsApp approval status in our words (the table in the class summary).</summary>
    public static ProviderTemplateStatus MapStatus(string? status) => status?.ToLowerInvariant() switch
    {
        "approved" => ProviderTemplateStatus.Approved,
        "received" or "pending" => ProviderTemplateStatus.Pending,
        "rejected" => ProviderTemplateStatus.Rejected,
        "paused" => ProviderTemplateStatus.Paused,
        "disabled" => ProviderTemplateStatus.Disabled,
        null or "" or "unsubmitted" => ProviderTemplateStatus.NotSubmitted,
        _ => ProviderTemplateStatus.Unknown,
    };

    private static TemplateReview? ReadReview(string contentSid, byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            if (!root.TryGetProperty("whatsapp", out var whatsapp) || whatsapp.ValueKind != JsonValueKind.Object)
            {
                return new TemplateReview(contentSid, null, null, ProviderTemplateStatus.NotSubmitted, null, null, "");
            }
            var status = StringOrNull(whatsapp, "status");
            var reason = StringOrNull(whatsapp, "rejection_reason");
            return new TemplateReview(contentSid, StringOrNull(whatsapp, "name"), null, MapStatus(status),
                string.IsNullOrWhiteSpace(reason) ? null : reason, null, status ?? "");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One Content API request through <see cref="TwilioTransport"/>; returns the body of a 2xx answer.</summary>
    private async Task<byte[]> SendAsync(TwilioAccount account, HttpMethod method, Uri uri, byte[]? json, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        var (_, body) = await _transport.SendAsync(account, request, what, cancellationToken).ConfigureAwait(false);
        return body;
    }

    /// <summary><c>{"name":"order_shipped","category":"UTILITY"}</c></summary>
    private static byte[] ApprovalBody(string name, string category)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("category", category);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private Uri ContentUri(string path) => new($"{_options.ContentBaseUrl.AbsoluteUri.TrimEnd('/')}/{path}", UriKind.Absolute);

    private static void RequireContentSid(string contentSid)
    {
        if (contentSid is null || !TwilioClient.ContentSidPattern().IsMatch(contentSid))
        {
            throw new ArgumentException("A Content SID is 'HX' followed by 32 hex digits.", nameof(contentSid));
        }
    }

    /// <summary>A top-level string of a JSON object answer, or null.</summary>
    private static string? ReadString(byte[] body, string name)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? StringOrNull(doc.RootElement, name) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex NamePattern();

    [LoggerMessage(11, LogLevel.Information, "Twilio account {AccountSid} created content {ContentSid} for template {TemplateName} as {ContentType}.")]
    private static partial void LogCreated(ILogger logger, string accountSid, string contentSid, string templateName, string contentType, Exception? exception);

    [LoggerMessage(12, LogLevel.Information, "Twilio account {AccountSid} asked WhatsApp to approve content {ContentSid} as {TemplateName}: {Status}.")]
    private static partial void LogApprovalRequested(ILogger logger, string accountSid, string contentSid, string templateName, string status, Exception? exception);
}
