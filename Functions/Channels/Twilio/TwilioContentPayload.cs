using System.Globalization;
using System.Text.Json;
using Functions.Templates;

namespace Functions.Channels.Twilio;

/// <summary>Which part of a template a Twilio content variable fills.</summary>
public enum ContentVariableSource
{
    /// <summary>A body placeholder.</summary>
    Body,
    /// <summary>The text header's placeholder.</summary>
    HeaderText,
    /// <summary>The media header's file: the path (and query) after the example's host, e.g. <c>p/shoe.jpg</c>.</summary>
    HeaderMedia,
    /// <summary>A URL button's variable suffix.</summary>
    ButtonUrl,
    /// <summary>The code a copy-code button copies.</summary>
    CopyCode,
}

/// <summary>
/// One variable of a Twilio content template.
/// </summary>
/// <param name="Key">Twilio's key (<c>"1"</c>, <c>"2"</c>, …): the key of <c>ContentVariables</c> at send time.</param>
/// <param name="Source">What it fills.</param>
/// <param name="Sample">The sample sent for the review.</param>
/// <param name="VariableKey">
/// The key the same value has in <see cref="TemplateVariables"/> (<c>1</c> or <c>customer_name</c>,
/// <c>header.1</c>, <c>button.2</c>), so send-time values translate one to one; null for a media
/// header's file, which <see cref="TemplateVariables"/> does not list.
/// </param>
public sealed record ContentVariable(string Key, ContentVariableSource Source, string Sample, string? VariableKey);

/// <summary>
/// The JSON body of <c>POST {ContentBaseUrl}/v1/Content</c> for a checked definition, and the
/// variable numbering it uses. Twilio numbers one set of variables across the whole content
/// (WhatsApp numbers the header, body and each button separately), so:
/// <list type="number">
/// <item>body placeholders keep their numbers (<c>{{1}}</c> … <c>{{n}}</c>); named ones
/// (<c>{{order_number}}</c>) become <c>{{1}}</c> … <c>{{n}}</c> in order of first appearance;</item>
/// <item>then the text header's placeholder, or the media header's file (the URL becomes
/// <c>https://{example host}/{{k}}</c> and the sample is the rest of the example URL, as Twilio's
/// media-variable samples are path suffixes: the media sent later must be on that host);</item>
/// <item>then, button by button, each URL's <c>{{1}}</c> suffix and each copy-code's code.</item>
/// </list>
/// <para>The content type follows the components (limits from Twilio's content-type pages):</para>
/// <list type="bullet">
/// <item>body only → <c>twilio/text</c> <c>{"body"}</c>;</item>
/// <item>body and a media header → <c>twilio/media</c> <c>{"body","media":[url]}</c>;</item>
/// <item>body and quick replies only → <c>twilio/quick-reply</c> <c>{"body","actions":[{"title","id"}]}</c>;</item>
/// <item>body (at most 640 characters) and URL, phone or copy-code buttons only →
/// <c>twilio/call-to-action</c> <c>{"body","actions":[{"type":"URL","title","url"},{"type":"PHONE_NUMBER","title","phone"},{"type":"COPY_CODE","title","code"}]}</c>;</item>
/// <item>anything with a text header, a footer, a media header with buttons, both button kinds, or a
/// longer call-to-action body → <c>whatsapp/card</c> <c>{"body","footer","header_text","media","actions":[…]}</c>
/// with action types <c>QUICK_REPLY</c>, <c>URL</c>, <c>PHONE_NUMBER</c>, <c>COPY_CODE</c>.</item>
/// </list>
/// An authentication template is <c>whatsapp/authentication</c>
/// <c>{"add_security_recommendation":true,"code_expiration_minutes":10,"actions":[{"type":"COPY_CODE","copy_code_text":"Copy code"}]}</c>
/// (no body: WhatsApp writes it), with one variable, <c>"1"</c>, the code (its sample the body's example).
/// A quick reply's <c>id</c> (Twilio's <c>ButtonPayload</c> when tapped) is its text, as Meta's
/// payload defaults to the text. Twilio allows at most 100 variables (its "Using variables" page).
/// </summary>
internal static class TwilioContentPayload
{
    /// <summary>twilio/call-to-action's body limit (Twilio's content-type page); a longer body goes as whatsapp/card.</summary>
    public const int MaxCallToActionBody = 640;

    /// <summary>Variables in one content template (Twilio, "Using variables with content templates").</summary>
    public const int MaxVariables = 100;

    private const string Param = "definition";

    /// <summary>The request body and the content type chosen.</summary>
    public static (byte[] Json, string ContentType) Create(CheckedTemplate template)
    {
        var plan = Plan.For(template);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("friendly_name", template.Name);
            json.WriteString("language", template.Language);
            if (plan.Variables.Count > 0)
            {
                json.WriteStartObject("variables");
                foreach (var variable in plan.Variables)
                {
                    json.WriteString(variable.Key, variable.Sample);
                }
                json.WriteEndObject();
            }
            json.WriteStartObject("types");
            json.WriteStartObject(plan.ContentType);
            if (template.Authentication is { } authentication)
            {
                WriteAuthentication(json, authentication);
            }
            else
            {
                json.WriteString("body", plan.Body);
            }
            switch (plan.ContentType)
            {
                case "twilio/media":
                    WriteMedia(json, plan.MediaUrl!);
                    break;
                case "twilio/quick-reply":
                    WriteActions(json, plan.Buttons, typed: false);
                    break;
                case "twilio/call-to-action":
                    WriteActions(json, plan.Buttons, typed: true);
                    break;
                case "whatsapp/card":
                    if (template.Footer is { } footer)
                    {
                        json.WriteString("footer", footer);
                    }
                    if (plan.HeaderText is { } headerText)
                    {
                        json.WriteString("header_text", headerText);
                    }
                    if (plan.MediaUrl is { } mediaUrl)
                    {
                        WriteMedia(json, mediaUrl);
                    }
                    if (plan.Buttons.Count > 0)
                    {
                        WriteActions(json, plan.Buttons, typed: true);
                    }
                    break;
            }
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return (buffer.ToArray(), plan.ContentType);
    }

    public static IReadOnlyList<ContentVariable> Variables(CheckedTemplate template) => Plan.For(template).Variables;

    private static void WriteAuthentication(Utf8JsonWriter json, AuthenticationOptions options)
    {
        json.WriteBoolean("add_security_recommendation", options.AddSecurityRecommendation);
        if (options.CodeExpirationMinutes is { } minutes)
        {
            json.WriteNumber("code_expiration_minutes", minutes);
        }
        json.WriteStartArray("actions");
        json.WriteStartObject();
        json.WriteString("type", "COPY_CODE");
        json.WriteString("copy_code_text", options.CopyCodeText ?? AuthenticationTemplate.DefaultCopyCodeText);
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static void WriteMedia(Utf8JsonWriter json, string url)
    {
        json.WriteStartArray("media");
        json.WriteStringValue(url);
        json.WriteEndArray();
    }

    private static void WriteActions(Utf8JsonWriter json, IReadOnlyList<PlannedButton> buttons, bool typed)
    {
        json.WriteStartArray("actions");
        foreach (var (button, value) in buttons)
        {
            json.WriteStartObject();
            switch (button.Type)
            {
                case TemplateButtonType.QuickReply:
                    if (typed)
                    {
                        json.WriteString("type", "QUICK_REPLY");
                    }
                    json.WriteString("title", button.Text);
                    json.WriteString("id", button.Text);
                    break;
                case TemplateButtonType.Url:
                    json.WriteString("type", "URL");
                    json.WriteString("title", button.Text);
                    json.WriteString("url", value);
                    break;
                case TemplateButtonType.PhoneNumber:
                    json.WriteString("type", "PHONE_NUMBER");
                    json.WriteString("title", button.Text);
                    json.WriteString("phone", value);
                    break;
                case TemplateButtonType.CopyCode:
                    json.WriteString("type", "COPY_CODE");
                    json.WriteString("title", string.IsNullOrWhiteSpace(button.Text) ? "Copy code" : button.Text);
                    json.WriteString("code", value);
                    break;
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>A button and what goes in its value field (the URL, phone number or code, variables renumbered).</summary>
    private sealed record PlannedButton(CheckedButton Button, string? Value);

    /// <summary>The texts with Twilio's numbering, the variables with their samples, and the content type.</summary>
    private sealed class Plan
    {
        private Plan(string body, string? headerText, string? mediaUrl, List<PlannedButton> buttons, List<ContentVariable> variables, string contentType)
        {
            Body = body;
            HeaderText = headerText;
            MediaUrl = mediaUrl;
            Buttons = buttons;
            Variables = variables;
            ContentType = contentType;
        }

        public string Body { get; }
        public string? HeaderText { get; }
        public string? MediaUrl { get; }
        public List<PlannedButton> Buttons { get; }
        public List<ContentVariable> Variables { get; }
        public string ContentType { get; }

        public static Plan For(CheckedTemplate template)
        {
            var variables = new List<ContentVariable>();
            string Next() => (variables.Count + 1).ToString(CultureInfo.InvariantCulture);

            var bodyKeys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var parameter in template.BodyParameters)
            {
                var key = Next();
                bodyKeys[parameter.Key] = key;
                variables.Add(new ContentVariable(key, ContentVariableSource.Body, parameter.Example, parameter.Key));
            }
            var body = CheckedTemplate.RenamePlaceholders(template.Body, k => bodyKeys[k]);

            string? headerText = null;
            string? mediaUrl = null;
            if (template.Header is { Format: HeaderFormat.Text } textHeader)
            {
                headerText = textHeader.Text;
                if (textHeader.Parameter is { } parameter)
                {
                    var key = Next();
                    variables.Add(new ContentVariable(key, ContentVariableSource.HeaderText, parameter.Example, TemplateVariables.HeaderKey(parameter.Key)));
                    headerText = CheckedTemplate.RenamePlaceholders(headerText!, _ => key);
                }
            }
            else if (template.Header is { } mediaHeader)
            {
                var example = mediaHeader.MediaExampleUrl
                    ?? throw new ArgumentException("Twilio needs TemplateHeader.MediaExampleUrl for a media header: the public example file the review sees.", Param);
                var host = example.GetLeftPart(UriPartial.Authority) + "/";
                var file = example.GetLeftPart(UriPartial.Query)[host.Length..];
                if (file.Length == 0)
                {
                    throw new ArgumentException("TemplateHeader.MediaExampleUrl must point at a file (a path after the host).", Param);
                }
                var key = Next();
                variables.Add(new ContentVariable(key, ContentVariableSource.HeaderMedia, file, null));
                mediaUrl = host + "{{" + key + "}}";
            }

            var buttons = new List<PlannedButton>(template.Buttons.Count);
            for (var i = 0; i < template.Buttons.Count; i++)
            {
                var button = template.Buttons[i];
                string? value = null;
                switch (button.Type)
                {
                    case TemplateButtonType.Url when button.UrlHasVariable:
                        var urlKey = Next();
                        variables.Add(new ContentVariable(urlKey, ContentVariableSource.ButtonUrl, button.Example!, TemplateVariables.ButtonKey(i)));
                        value = CheckedTemplate.RenamePlaceholders(button.Url!, _ => urlKey);
                        break;
                    case TemplateButtonType.Url:
                        value = button.Url;
                        break;
                    case TemplateButtonType.PhoneNumber:
                        value = button.PhoneNumber;
                        break;
                    case TemplateButtonType.CopyCode:
                        var codeKey = Next();
                        variables.Add(new ContentVariable(codeKey, ContentVariableSource.CopyCode, button.Example!, TemplateVariables.ButtonKey(i)));
                        value = "{{" + codeKey + "}}";
                        break;
                }
                buttons.Add(new PlannedButton(button, value));
            }
            if (variables.Count > MaxVariables)
            {
                throw new ArgumentException($"Twilio allows at most {MaxVariables} variables in a content template; this one needs {variables.Count}.", Param);
            }
            return new Plan(body, headerText, mediaUrl, buttons, variables, ChooseContentType(template));
        }

        private static string ChooseContentType(CheckedTemplate template)
        {
            if (template.Authentication is not null)
            {
                return "whatsapp/authentication";
            }
            var quickReplies = template.Buttons.Count(b => b.Type == TemplateButtonType.QuickReply);
            var actions = template.Buttons.Count - quickReplies;
            var bare = template.Header is null && template.Footer is null;
            return (template.Header?.Format, template.Footer, quickReplies, actions) switch
            {
                (null, null, 0, 0) => "twilio/text",
                (HeaderFormat.Image or HeaderFormat.Video or HeaderFormat.Document, null, 0, 0) => "twilio/media",
                _ when bare && actions == 0 => "twilio/quick-reply",
                _ when bare && quickReplies == 0 && template.Body.Length <= MaxCallToActionBody => "twilio/call-to-action",
                _ => "whatsapp/card",
            };
        }
    }
}
