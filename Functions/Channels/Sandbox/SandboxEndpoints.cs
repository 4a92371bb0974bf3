using System.Security.Claims;
using Functions.Contacts;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Channels.Sandbox;

/// <summary>
/// The sandbox for developers: <c>POST /api/sandbox/inbound</c> simulates a customer's message
/// (stored and processed like a provider's webhook), and <c>GET /api/sandbox/messages</c> lists what
/// the sandbox "sent". For tenant admins and agents; inbound only for a tenant on the sandbox provider.
/// </summary>
public static class SandboxEndpoints
{
    public const int MaxProfileName = 200;
    public const int MaxIdLength = 200;
    public const int MaxReferralField = 2000;

    private static readonly string[] Types = ["text", "image", "video", "audio", "document", "sticker", "location", "button", "interactive", "reaction"];

    public static FunctionCatalog AddSandboxFunctions(this FunctionCatalog catalog)
    {
        return catalog
            .AddHttp("SandboxInbound", "POST", "sandbox/inbound", SimulateInboundAsync, TenantAccess.AdminOrAgent)
            .AddHttp("ListSandboxMessages", "GET", "sandbox/messages", ListMessagesAsync, TenantAccess.AdminOrAgent);
    }

    /// <summary>What the sandbox endpoints need, bundled to keep signatures short.</summary>
    public sealed record SandboxServices(ClaimsPrincipal User, TenantDirectory Tenants, SandboxChannel Sandbox, TimeProvider Time);

    public static async Task<Results<Accepted<SandboxInboundAccepted>, ValidationProblem, ProblemHttpResult>> SimulateInboundAsync(
        SandboxInboundRequest request, [AsParameters] SandboxServices s, CancellationToken cancellationToken)
    {
        var tenant = await s.Tenants.FindAsync(s.User.TenantId(), cancellationToken);
        if (tenant is not { Provider.Type: ProviderSettings.SandboxType })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The tenant is not on the sandbox provider.",
                detail: $"Simulated customer messages are for tenants whose provider is sandbox; this tenant's is {tenant?.Provider.Type ?? "unknown"}.");
        }
        var errors = new Dictionary<string, string[]>();
        var message = Validate(request, tenant.DefaultCountryCode, s.Time.GetUtcNow(), errors);
        if (message is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The simulated message is not valid.");
        }
        var stored = await s.Sandbox.ReceiveAsync(tenant.Id, message, cancellationToken);
        return TypedResults.Accepted((string?)null, new SandboxInboundAccepted(stored.Id, message.ProviderMessageId));
    }

    public static async Task<Results<Ok<SandboxMessagePage>, ValidationProblem>> ListMessagesAsync(
        [AsParameters] SandboxServices s, CancellationToken cancellationToken, int? pageSize = null, string? continuationToken = null)
    {
        if (pageSize is < 1 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["Page size is 1 to 100."] });
        }
        try
        {
            return TypedResults.Ok(await s.Sandbox.ListAsync(s.User.TenantId(), pageSize ?? 20, continuationToken, cancellationToken));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    /// <summary>The customer's message as the sandbox provider reports it, or null with the reasons in <paramref name="errors"/>.</summary>
    internal static InboundMessageEvent? Validate(SandboxInboundRequest request, string? defaultCountryCode, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var type = (request.Type ?? "text").Trim().ToLowerInvariant();
        if (!Types.Contains(type))
        {
            errors["type"] = [$"The type is one of {string.Join(", ", Types)}."];
        }
        string? from = null;
        if (request.From is null)
        {
            errors["from"] = ["The customer's phone number is required."];
        }
        else if (!PhoneNumbers.TryNormalize(request.From, defaultCountryCode, out var e164, out var phoneError))
        {
            errors["from"] = [phoneError];
        }
        else
        {
            from = e164;
        }
        if (request.Text?.Length > SandboxChannel.MaxTextLength)
        {
            errors["text"] = [$"The text is at most {SandboxChannel.MaxTextLength} characters."];
        }
        if (request.ProfileName?.Length > MaxProfileName)
        {
            errors["profileName"] = [$"The profile name is at most {MaxProfileName} characters."];
        }
        CheckId(request.ProviderMessageId, "providerMessageId", errors);
        CheckId(request.ContextMessageId, "contextMessageId", errors);
        if (request.Referral is { } r && new[] { r.SourceType, r.SourceId, r.SourceUrl, r.Headline, r.ClickId }.Any(v => v?.Length > MaxReferralField))
        {
            errors["referral"] = [$"Each referral field is at most {MaxReferralField} characters."];
        }

        var kind = MessageKind.Text;
        IReadOnlyList<MediaContent> media = [];
        LocationContent? location = null;
        InteractiveReply? reply = null;
        ReactionContent? reaction = null;
        switch (type)
        {
            case "text":
                if (string.IsNullOrWhiteSpace(request.Text))
                {
                    errors["text"] = ["A text message needs text."];
                }
                break;
            case "image" or "video" or "audio" or "document" or "sticker":
                kind = Enum.Parse<MessageKind>(type, ignoreCase: true);
                if (!Uri.TryCreate(request.MediaUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
                {
                    errors["mediaUrl"] = [$"The mediaUrl (an absolute http(s) URL) is required for {type} messages."];
                }
                else
                {
                    // The text goes with the media as its caption, as providers report it.
                    media = [new MediaContent(url, Blank(request.ContentType), Blank(request.Text), Blank(request.FileName))];
                }
                break;
            case "location":
                kind = MessageKind.Location;
                if (request.Location is not { Latitude: >= -90 and <= 90, Longitude: >= -180 and <= 180 } l)
                {
                    errors["location"] = ["A location message needs location.latitude (-90 to 90) and location.longitude (-180 to 180)."];
                }
                else
                {
                    location = new LocationContent(l.Latitude.Value, l.Longitude.Value, Blank(l.Name), Blank(l.Address));
                }
                break;
            case "button" or "interactive":
                kind = MessageKind.Interactive;
                // The button's id (payload) and title; with only text, the text is both, as for a template's quick reply.
                var id = Blank(request.Reply?.Id) ?? Blank(request.Text);
                var title = Blank(request.Reply?.Title) ?? Blank(request.Text) ?? id;
                if (id is null || id.Length > MaxIdLength || title!.Length > MaxIdLength)
                {
                    errors["reply"] = [$"A button message needs reply.id and reply.title (or text), each at most {MaxIdLength} characters."];
                }
                else
                {
                    reply = new InteractiveReply(id, title!);
                }
                break;
            case "reaction":
                kind = MessageKind.Reaction;
                if (Blank(request.Reaction?.MessageId) is not { Length: <= MaxIdLength } reactedTo || request.Reaction?.Emoji?.Length > 20)
                {
                    errors["reaction"] = ["A reaction needs reaction.messageId (the message reacted to) and an emoji (empty removes the reaction)."];
                }
                else
                {
                    reaction = new ReactionContent(reactedTo, request.Reaction!.Emoji ?? "");
                }
                break;
        }
        if (errors.Count > 0)
        {
            return null;
        }
        return new InboundMessageEvent(SandboxWebhookParser.ProviderName, Blank(request.ProviderMessageId) ?? SandboxMessage.NewId(now), from!,
            SandboxWebhookParser.BusinessNumber, now, kind)
        {
            ProfileName = Blank(request.ProfileName),
            Text = kind is MessageKind.Location or MessageKind.Interactive or MessageKind.Reaction ? null : Blank(request.Text),
            Media = media,
            Location = location,
            Reply = reply,
            Reaction = reaction,
            Referral = request.Referral,
            ContextMessageId = Blank(request.ContextMessageId),
        };
    }

    private static void CheckId(string? id, string field, Dictionary<string, string[]> errors)
    {
        if (id is not null && (id.Length is 0 or > MaxIdLength || id.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            errors[field] = [$"The {field} is 1 to {MaxIdLength} characters without spaces."];
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>
/// A customer's message to simulate. <see cref="Type"/> is text (the default), image, video, audio,
/// document, sticker (with <see cref="MediaUrl"/>; <see cref="Text"/> is the caption), location,
/// button (with <see cref="Reply"/>) or reaction. <see cref="Referral"/> simulates a click-to-WhatsApp
/// ad; <see cref="ProviderMessageId"/> (generated when left out) lets a duplicate delivery be tried.
/// </summary>
public sealed record SandboxInboundRequest(
    string? From,
    string? Text = null,
    string? Type = null,
    string? ProfileName = null,
    string? MediaUrl = null,
    string? ContentType = null,
    string? FileName = null,
    SandboxInboundLocation? Location = null,
    SandboxInboundReply? Reply = null,
    SandboxInboundReaction? Reaction = null,
    Referral? Referral = null,
    string? ContextMessageId = null,
    string? ProviderMessageId = null);

public sealed record SandboxInboundLocation(double? Latitude, double? Longitude, string? Name = null, string? Address = null);

public sealed record SandboxInboundReply(string? Id, string? Title);

public sealed record SandboxInboundReaction(string? MessageId, string? Emoji);

/// <summary>The stored webhook event (see <c>GET /api/webhooks/events</c>) and the message's provider id.</summary>
public sealed record SandboxInboundAccepted(string EventId, string ProviderMessageId);
