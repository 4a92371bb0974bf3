using System.Text.Json;
using Functions.Templates;

namespace Functions.Channels.Meta;

/// <summary>
/// Writes the body of <c>POST /{waba-id}/message_templates</c> for a checked definition, in the
/// shape Meta's template pages show (components and formats in upper case, as Meta also returns them):
/// <code>
/// {"name":"order_shipped","language":"en_US","category":"UTILITY","parameter_format":"POSITIONAL",
///  "components":[
///   {"type":"HEADER","format":"TEXT","text":"Order {{1}}","example":{"header_text":["1042"]}},
///   {"type":"BODY","text":"Hi {{1}}, order {{2}} is on its way.","example":{"body_text":[["Jessica","1042"]]}},
///   {"type":"FOOTER","text":"Reply STOP to opt out"},
///   {"type":"BUTTONS","buttons":[
///     {"type":"QUICK_REPLY","text":"Thanks"},
///     {"type":"URL","text":"Track","url":"https://shop.example/t/{{1}}","example":["1042"]},
///     {"type":"PHONE_NUMBER","text":"Call us","phone_number":"15550051310"},
///     {"type":"COPY_CODE","example":"SAVE10"}]}]}
/// </code>
/// Named placeholders send <c>"parameter_format":"NAMED"</c> with
/// <c>header_text_named_params</c> / <c>body_text_named_params</c>
/// (<c>[{"param_name":"order_number","example":"1042"}]</c>, in order of first appearance).
/// A media header is <c>{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::…"]}}</c>.
/// <para>An authentication template (Meta's "copy code button authentication templates") has no
/// text and no <c>parameter_format</c>: WhatsApp writes the body, footer and button from the options:</para>
/// <code>
/// {"name":"login_code","language":"en_US","category":"AUTHENTICATION","components":[
///   {"type":"BODY","add_security_recommendation":true},
///   {"type":"FOOTER","code_expiration_minutes":10},
///   {"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy code"}]}]}
/// </code>
/// The footer is there only with an expiry; the button's text is WhatsApp's "Copy code" unless chosen.
/// </summary>
internal static class MetaTemplatePayload
{
    public static byte[] Create(CheckedTemplate template, string? mediaHeaderHandle)
    {
        if (template.Authentication is { } authentication)
        {
            return CreateAuthentication(template, authentication);
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", template.Name);
            json.WriteString("language", template.Language);
            json.WriteString("category", template.Category switch
            {
                TemplateCategory.Marketing => "MARKETING",
                TemplateCategory.Utility => "UTILITY",
                _ => throw new ArgumentException($"Category {template.Category} cannot be submitted.", "definition"),
            });
            json.WriteString("parameter_format", template.Named ? "NAMED" : "POSITIONAL");
            json.WriteStartArray("components");
            if (template.Header is { } header)
            {
                WriteHeader(json, header, template.Named, mediaHeaderHandle);
            }
            WriteBody(json, template);
            if (template.Footer is { } footer)
            {
                json.WriteStartObject();
                json.WriteString("type", "FOOTER");
                json.WriteString("text", footer);
                json.WriteEndObject();
            }
            if (template.Buttons.Count > 0)
            {
                WriteButtons(json, template.Buttons);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static byte[] CreateAuthentication(CheckedTemplate template, AuthenticationOptions options)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", template.Name);
            json.WriteString("language", template.Language);
            json.WriteString("category", "AUTHENTICATION");
            json.WriteStartArray("components");
            json.WriteStartObject();
            json.WriteString("type", "BODY");
            json.WriteBoolean("add_security_recommendation", options.AddSecurityRecommendation);
            json.WriteEndObject();
            if (options.CodeExpirationMinutes is { } minutes)
            {
                json.WriteStartObject();
                json.WriteString("type", "FOOTER");
                json.WriteNumber("code_expiration_minutes", minutes);
                json.WriteEndObject();
            }
            json.WriteStartObject();
            json.WriteString("type", "BUTTONS");
            json.WriteStartArray("buttons");
            json.WriteStartObject();
            json.WriteString("type", "OTP");
            json.WriteString("otp_type", "COPY_CODE");
            json.WriteString("text", options.CopyCodeText ?? AuthenticationTemplate.DefaultCopyCodeText);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteHeader(Utf8JsonWriter json, CheckedHeader header, bool named, string? mediaHeaderHandle)
    {
        json.WriteStartObject();
        json.WriteString("type", "HEADER");
        if (header.Format == HeaderFormat.Text)
        {
            json.WriteString("format", "TEXT");
            json.WriteString("text", header.Text);
            if (header.Parameter is { } parameter)
            {
                json.WriteStartObject("example");
                if (named)
                {
                    WriteNamedParams(json, "header_text_named_params", [parameter]);
                }
                else
                {
                    json.WriteStartArray("header_text");
                    json.WriteStringValue(parameter.Example);
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
        }
        else
        {
            json.WriteString("format", header.Format switch
            {
                HeaderFormat.Image => "IMAGE",
                HeaderFormat.Video => "VIDEO",
                _ => "DOCUMENT",
            });
            json.WriteStartObject("example");
            json.WriteStartArray("header_handle");
            json.WriteStringValue(mediaHeaderHandle);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteBody(Utf8JsonWriter json, CheckedTemplate template)
    {
        json.WriteStartObject();
        json.WriteString("type", "BODY");
        json.WriteString("text", template.Body);
        if (template.BodyParameters.Count > 0)
        {
            json.WriteStartObject("example");
            if (template.Named)
            {
                WriteNamedParams(json, "body_text_named_params", template.BodyParameters);
            }
            else
            {
                // One set of examples: an array holding one array, the values in placeholder order.
                json.WriteStartArray("body_text");
                json.WriteStartArray();
                foreach (var parameter in template.BodyParameters)
                {
                    json.WriteStringValue(parameter.Example);
                }
                json.WriteEndArray();
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteNamedParams(Utf8JsonWriter json, string property, IReadOnlyList<TemplateParameter> parameters)
    {
        json.WriteStartArray(property);
        foreach (var parameter in parameters)
        {
            json.WriteStartObject();
            json.WriteString("param_name", parameter.Key);
            json.WriteString("example", parameter.Example);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteButtons(Utf8JsonWriter json, IReadOnlyList<CheckedButton> buttons)
    {
        json.WriteStartObject();
        json.WriteString("type", "BUTTONS");
        json.WriteStartArray("buttons");
        foreach (var button in buttons)
        {
            json.WriteStartObject();
            switch (button.Type)
            {
                case TemplateButtonType.QuickReply:
                    json.WriteString("type", "QUICK_REPLY");
                    json.WriteString("text", button.Text);
                    break;
                case TemplateButtonType.Url:
                    json.WriteString("type", "URL");
                    json.WriteString("text", button.Text);
                    json.WriteString("url", button.Url);
                    if (button.UrlHasVariable)
                    {
                        // The sample suffix that replaces {{1}}, as an array.
                        json.WriteStartArray("example");
                        json.WriteStringValue(button.Example);
                        json.WriteEndArray();
                    }
                    break;
                case TemplateButtonType.PhoneNumber:
                    json.WriteString("type", "PHONE_NUMBER");
                    json.WriteString("text", button.Text);
                    // Meta's examples give the number with its country code and without '+'.
                    json.WriteString("phone_number", button.PhoneNumber![1..]);
                    break;
                case TemplateButtonType.CopyCode:
                    // Meta fixes a copy-code button's text; only the sample code goes (a bare string).
                    json.WriteString("type", "COPY_CODE");
                    json.WriteString("example", button.Example);
                    break;
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
