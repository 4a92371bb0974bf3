using System.Text;
using Functions.Channels;
using Functions.Channels.Meta;

namespace Functions.Tests.Channels.Meta;

public sealed class MetaWebhookParserTests
{
    private const string Sent = "1749416383"; // 2025-06-08T20:59:43Z

    private static readonly DateTimeOffset SentAt = DateTimeOffset.FromUnixTimeSeconds(1749416383);

    /// <summary>A messages webhook with one inbound message, the way Meta posts it (plus a property Meta may add one day).</summary>
    private static string Inbound(string message) => $$"""
        {
          "object": "whatsapp_business_account",
          "entry": [{
            "id": "102290129340398",
            "changes": [{
              "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
                "contacts": [{ "profile": { "name": "Sheena Nelson" }, "wa_id": "16505551234" }],
                "messages": [ {{message}} ],
                "some_future_field": { "nested": [1, 2, 3] }
              },
              "field": "messages"
            }]
          }]
        }
        """;

    private static WebhookRequest Request(string json) =>
        new(new Uri("https://hooks.example.com/meta/webhook"), "POST", new Dictionary<string, string>(), Encoding.UTF8.GetBytes(json));

    private static InboundMessageEvent ParseOne(string message)
    {
        var events = MetaWebhookParser.Parse(Request(Inbound(message)));
        return Assert.IsType<InboundMessageEvent>(Assert.Single(events));
    }

    [Fact]
    public void TextMessage()
    {
        var m = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "timestamp": "{{Sent}}",
              "text": { "body": "Does it come in another color?" }, "type": "text" }
            """);

        Assert.Equal(new InboundMessageEvent("meta", "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "+16505551234", "+15550783881", SentAt, MessageKind.Text)
        {
            ProfileName = "Sheena Nelson",
            Text = "Does it come in another color?",
            BusinessNumberId = "106540352242922",
        }, m with { Media = [], Contacts = [] });
        Assert.Empty(m.Media);
        Assert.Null(m.ContextMessageId);
        Assert.Null(m.ProviderType);
    }

    [Fact]
    public void ImagePointsAtTheGraphMediaNode()
    {
        var m = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.IMG", "timestamp": "{{Sent}}", "type": "image",
              "image": { "caption": "This one?", "mime_type": "image/jpeg", "sha256": "H8Ri6Xg0Pz1e9AbZXeLL0O1k3J5R0nq9JY+VvKq3YkE=", "id": "1003383421387256" } }
            """);

        Assert.Equal(MessageKind.Image, m.Kind);
        var media = Assert.Single(m.Media);
        Assert.Equal(new MediaContent(new Uri("https://graph.facebook.com/v25.0/1003383421387256"), "image/jpeg", "This one?"), media);
        Assert.Null(m.Text);
    }

    [Fact]
    public void MediaUrlsFollowTheConfiguredGraph()
    {
        var options = new MetaClientOptions { BaseUrl = new Uri("http://127.0.0.1:5123/graph/"), ApiVersion = "v24.0" };

        var events = MetaWebhookParser.Parse(Request(Inbound($$"""
            { "from": "16505551234", "id": "wamid.VID", "timestamp": "{{Sent}}", "type": "video",
              "video": { "mime_type": "video/mp4", "sha256": "abc=", "id": "2213456789012345" } }
            """)), options);

        var m = Assert.IsType<InboundMessageEvent>(Assert.Single(events));
        Assert.Equal(MessageKind.Video, m.Kind);
        Assert.Equal(new Uri("http://127.0.0.1:5123/graph/v24.0/2213456789012345"), Assert.Single(m.Media).Url);
        Assert.Equal(new Uri("http://127.0.0.1:5123/graph/v24.0/2213456789012345"), MetaWebhookParser.MediaUrl("2213456789012345", options));
    }

    [Fact]
    public void VoiceNoteIsAudio()
    {
        var m = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.AUD", "timestamp": "{{Sent}}", "type": "audio",
              "audio": { "mime_type": "audio/ogg; codecs=opus", "sha256": "x=", "id": "1555123412341234", "voice": true } }
            """);

        Assert.Equal(MessageKind.Audio, m.Kind);
        Assert.Equal(new MediaContent(new Uri("https://graph.facebook.com/v25.0/1555123412341234"), "audio/ogg; codecs=opus"), Assert.Single(m.Media));
    }

    [Fact]
    public void DocumentKeepsItsFileNameAndCaption()
    {
        var m = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.DOC", "timestamp": "{{Sent}}", "type": "document",
              "document": { "caption": "Proof of payment", "filename": "transfer-0612.pdf", "mime_type": "application/pdf", "sha256": "y=", "id": "1666123412341234" } }
            """);

        Assert.Equal(MessageKind.Document, m.Kind);
        Assert.Equal(new MediaContent(new Uri("https://graph.facebook.com/v25.0/1666123412341234"), "application/pdf", "Proof of payment", "transfer-0612.pdf"), Assert.Single(m.Media));
    }

    [Fact]
    public void Sticker()
    {
        var m = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.STK", "timestamp": "{{Sent}}", "type": "sticker",
              "sticker": { "mime_type": "image/webp", "sha256": "z=", "id": "1777123412341234", "animated": false } }
            """);

        Assert.Equal(MessageKind.Sticker, m.Kind);
        Assert.Equal(new MediaContent(new Uri("https://graph.facebook.com/v25.0/1777123412341234"), "image/webp"), Assert.Single(m.Media));
    }

    [Fact]
    public void Location()
    {
        var m = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.LOC", "timestamp": "{{Sent}}", "type": "location",
              "location": { "address": "1 Hacker Way, Menlo Park, CA 94025", "latitude": 37.483307, "longitude": -122.148981,
                            "name": "Main office", "url": "https://example.com/office" } }
            """);

        Assert.Equal(MessageKind.Location, m.Kind);
        Assert.Equal(new LocationContent(37.483307, -122.148981, "Main office", "1 Hacker Way, Menlo Park, CA 94025"), m.Location);
    }

    [Fact]
    public void SharedContacts()
    {
        var m = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.CON", "timestamp": "{{Sent}}", "type": "contacts",
              "contacts": [
                { "addresses": [{ "city": "Menlo Park", "country": "United States", "type": "WORK" }],
                  "emails": [{ "email": "ana@example.com", "type": "WORK" }],
                  "name": { "formatted_name": "Ana Souza", "first_name": "Ana", "last_name": "Souza" },
                  "org": { "company": "Example Ltd" },
                  "phones": [{ "phone": "+1 (940) 555-1234", "type": "HOME" }, { "phone": "+1 (650) 555-1234", "type": "WORK", "wa_id": "16505551234" }] },
                { "name": { "first_name": "Bo", "last_name": "Li" }, "phones": [] }
              ] }
            """);

        Assert.Equal(MessageKind.Contacts, m.Kind);
        Assert.Equal(2, m.Contacts.Count);
        Assert.Equal("Ana Souza", m.Contacts[0].Name);
        Assert.Equal(["+1 (940) 555-1234", "+1 (650) 555-1234"], m.Contacts[0].Phones);
        Assert.Equal("Bo Li", m.Contacts[1].Name);
        Assert.Empty(m.Contacts[1].Phones);
    }

    [Fact]
    public void ButtonReplyWithContext()
    {
        var m = ParseOne($$"""
            { "context": { "from": "15550783881", "id": "wamid.HBgLMTU1NTA3ODM4ODEVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA" },
              "from": "16505551234", "id": "wamid.BTN", "timestamp": "{{Sent}}", "type": "interactive",
              "interactive": { "type": "button_reply", "button_reply": { "id": "arrived", "title": "Yes" } } }
            """);

        Assert.Equal(MessageKind.Interactive, m.Kind);
        Assert.Equal(new InteractiveReply("arrived", "Yes"), m.Reply);
        Assert.Equal("wamid.HBgLMTU1NTA3ODM4ODEVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA", m.ContextMessageId);
    }

    [Fact]
    public void ListReply()
    {
        var m = ParseOne($$"""
            { "context": { "from": "15550783881", "id": "wamid.LIST" },
              "from": "16505551234", "id": "wamid.LR", "timestamp": "{{Sent}}", "type": "interactive",
              "interactive": { "type": "list_reply", "list_reply": { "id": "t-am", "title": "Morning", "description": "08:00–12:00" } } }
            """);

        Assert.Equal(new InteractiveReply("t-am", "Morning"), m.Reply);
        Assert.Equal("wamid.LIST", m.ContextMessageId);
    }

    [Fact]
    public void TemplateQuickReplyButton()
    {
        var m = ParseOne($$"""
            { "context": { "from": "15550783881", "id": "wamid.TPL" },
              "from": "16505551234", "id": "wamid.QR", "timestamp": "{{Sent}}", "type": "button",
              "button": { "payload": "STOP_PROMOS", "text": "Stop promotions" } }
            """);

        Assert.Equal(MessageKind.Interactive, m.Kind);
        Assert.Equal(new InteractiveReply("STOP_PROMOS", "Stop promotions"), m.Reply);
        Assert.Equal("wamid.TPL", m.ContextMessageId);
    }

    [Fact]
    public void ReactionAndItsRemoval()
    {
        var added = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.R1", "timestamp": "{{Sent}}", "type": "reaction",
              "reaction": { "message_id": "wamid.HBgLMTU1NTA3ODM4ODEVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA", "emoji": "\uD83D\uDE00" } }
            """);
        var removed = ParseOne($$"""
            { "from": "16505551234", "id": "wamid.R2", "timestamp": "{{Sent}}", "type": "reaction",
              "reaction": { "message_id": "wamid.HBgLMTU1NTA3ODM4ODEVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA" } }
            """);

        Assert.Equal(MessageKind.Reaction, added.Kind);
        Assert.Equal(new ReactionContent("wamid.HBgLMTU1NTA3ODM4ODEVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA", "😀"), added.Reaction);
        Assert.Equal("", removed.Reaction?.Emoji);
    }

    [Fact]
    public void ClickToWhatsAppReferral()
    {
        var m = ParseOne($$"""
            { "referral": { "source_url": "https://fb.me/3cr4Wqqkv", "source_id": "120212345678900123", "source_type": "ad",
                            "headline": "Summer sale", "body": "Up to 50% off", "media_type": "image",
                            "image_url": "https://scontent.example/ad.jpg", "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-ZABDLfkZ9QoXbSkJZ" },
              "from": "16505551234", "id": "wamid.AD", "timestamp": "{{Sent}}", "type": "text",
              "text": { "body": "Hi! Is this still available?" } }
            """);

        Assert.Equal(MessageKind.Text, m.Kind);
        Assert.Equal(new Referral("ad", "120212345678900123", "https://fb.me/3cr4Wqqkv", "Summer sale",
            "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-ZABDLfkZ9QoXbSkJZ"), m.Referral);
    }

    [Theory]
    [InlineData("""{ "from": "16505551234", "id": "wamid.U1", "timestamp": "1749416383", "type": "unsupported", "errors": [{ "code": 131051, "title": "Message type unknown", "message": "Message type unknown", "error_data": { "details": "Message type is currently not supported." } }], "unsupported": { "type": "edit" } }""", "unsupported")]
    [InlineData("""{ "from": "16505551234", "id": "wamid.U2", "timestamp": "1749416383", "type": "order", "order": { "catalog_id": "1234", "text": "please", "product_items": [{ "product_retailer_id": "sku-1", "quantity": "2", "item_price": "9.99", "currency": "USD" }] } }""", "order")]
    [InlineData("""{ "from": "16505551234", "id": "wamid.U3", "timestamp": "1749416383", "type": "system", "system": { "body": "Sheena changed from 16505551234 to 16505550000", "wa_id": "16505550000", "type": "user_changed_number" } }""", "system")]
    [InlineData("""{ "from": "16505551234", "id": "wamid.U4", "timestamp": "1749416383", "type": "interactive", "interactive": { "type": "nfm_reply", "nfm_reply": { "name": "flow", "body": "Sent", "response_json": "{\"flow_token\":\"x\"}" } } }""", "interactive.nfm_reply")]
    [InlineData("""{ "from": "16505551234", "id": "wamid.U5", "timestamp": "1749416383", "type": "hologram", "hologram": { "id": "7" } }""", "hologram")]
    public void TypesWeDoNotModelAreKeptAsUnsupported(string message, string providerType)
    {
        var m = ParseOne(message);

        Assert.Equal(MessageKind.Unsupported, m.Kind);
        Assert.Equal(providerType, m.ProviderType);
        Assert.Equal("+16505551234", m.From);
        Assert.Equal("Sheena Nelson", m.ProfileName);
    }

    [Fact]
    public void UserWithoutAPhoneNumberIsNamedByBusinessScopedUserId()
    {
        var events = MetaWebhookParser.Parse(Request("""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
              "messaging_product":"whatsapp",
              "metadata":{"display_phone_number":"1 555 078 3881","phone_number_id":"106540352242922"},
              "contacts":[{"profile":{"name":"@sheena"},"user_id":"US.13491208655302741918"}],
              "messages":[{"from_user_id":"US.13491208655302741918","id":"wamid.BS","timestamp":"1749416383","type":"text","text":{"body":"hi"}}]}}]}]}
            """));

        var m = Assert.IsType<InboundMessageEvent>(Assert.Single(events));
        Assert.Equal("US.13491208655302741918", m.From);
        Assert.Equal("+15550783881", m.To);
        Assert.Equal("@sheena", m.ProfileName);
    }

    [Fact]
    public void StatusesWithAndWithoutErrors()
    {
        var events = MetaWebhookParser.Parse(Request("""
            {
              "object": "whatsapp_business_account",
              "entry": [{
                "id": "102290129340398",
                "changes": [{
                  "field": "messages",
                  "value": {
                    "messaging_product": "whatsapp",
                    "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
                    "statuses": [
                      { "id": "wamid.S1", "status": "sent", "timestamp": "1749416383", "recipient_id": "16505551234",
                        "biz_opaque_callback_data": "msg-01J9ZK",
                        "conversation": { "id": "6ceb9d929c1b1e5f7d5d2f0e0a5b1c3d", "expiration_timestamp": "1749500000", "origin": { "type": "utility" } },
                        "pricing": { "billable": true, "pricing_model": "PMP", "category": "utility", "type": "regular" } },
                      { "id": "wamid.S1", "status": "delivered", "timestamp": "1749416390", "recipient_id": "16505551234" },
                      { "id": "wamid.S1", "status": "read", "timestamp": "1749416400", "recipient_id": "16505551234" },
                      { "id": "wamid.S2", "status": "failed", "timestamp": "1749416401", "recipient_id": "16505550000",
                        "errors": [{ "code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
                                     "error_data": { "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number." },
                                     "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/" }] },
                      { "id": "wamid.S3", "status": "failed", "timestamp": "1749416402", "recipient_id": "16505550001",
                        "errors": [{ "code": 131050, "title": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business" }] },
                      { "id": "wamid.S4", "status": "played", "timestamp": "1749416403", "recipient_id": "16505551234" }
                    ]
                  }
                }]
              }]
            }
            """));

        Assert.Equal(5, events.Count);
        var statuses = events.Cast<MessageStatusEvent>().ToList();
        Assert.Equal([DeliveryStatus.Sent, DeliveryStatus.Delivered, DeliveryStatus.Read, DeliveryStatus.Failed, DeliveryStatus.Failed], statuses.Select(s => s.Status));
        Assert.Equal(new MessageStatusEvent("meta", "wamid.S1", DeliveryStatus.Sent, SentAt) { Recipient = "+16505551234", ClientReference = "msg-01J9ZK" }, statuses[0]);
        Assert.Null(statuses[1].ClientReference);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1749416400), statuses[2].Timestamp);
        Assert.Equal(new ProviderError("131047",
            "Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            FailureReason.OutsideCareWindow), statuses[3].Error);
        Assert.Equal("+16505550000", statuses[3].Recipient);
        Assert.Equal(FailureReason.RecipientOptedOut, statuses[4].Error?.Reason);
        Assert.Equal("131050", statuses[4].Error?.Code);
    }

    [Fact]
    public void TemplateStatusUpdates()
    {
        var events = MetaWebhookParser.Parse(Request("""
            {
              "object": "whatsapp_business_account",
              "entry": [
                { "id": "102290129340398", "time": 1749416383,
                  "changes": [{ "field": "message_template_status_update",
                    "value": { "event": "APPROVED", "message_template_id": 1273948573910482, "message_template_name": "order_update",
                               "message_template_language": "en_US", "reason": "NONE", "message_template_category": "UTILITY" } }] },
                { "id": "102290129340398", "time": 1749416390,
                  "changes": [{ "field": "message_template_status_update",
                    "value": { "event": "REJECTED", "message_template_id": "1273948573910483", "message_template_name": "summer_promo",
                               "message_template_language": "pt_BR", "reason": "INCORRECT_CATEGORY" } }] },
                { "id": "102290129340398", "time": 1749416399,
                  "changes": [{ "field": "message_template_status_update",
                    "value": { "event": "PAUSED", "message_template_id": 1273948573910484, "message_template_name": "win_back",
                               "message_template_language": "en", "reason": null,
                               "other_info": { "title": "FIRST_PAUSE", "description": "Your template has been paused for 3 hours due to low quality." } } }] }
              ]
            }
            """));

        Assert.Equal(
        [
            new TemplateStatusEvent("meta", "1273948573910482", "order_update", "en_US", "APPROVED"),
            new TemplateStatusEvent("meta", "1273948573910483", "summer_promo", "pt_BR", "REJECTED") { Reason = "INCORRECT_CATEGORY" },
            new TemplateStatusEvent("meta", "1273948573910484", "win_back", "en", "PAUSED") { Reason = "Your template has been paused for 3 hours due to low quality." },
        ], events.Cast<TemplateStatusEvent>());
    }

    [Fact]
    public void EveryEntryChangeMessageAndStatusIsReturnedInOrder()
    {
        var events = MetaWebhookParser.Parse(Request("""
            {
              "object": "whatsapp_business_account",
              "entry": [
                { "id": "102290129340398", "changes": [
                  { "field": "messages", "value": {
                      "messaging_product": "whatsapp",
                      "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
                      "contacts": [{ "profile": { "name": "Sheena Nelson" }, "wa_id": "16505551234" }, { "profile": { "name": "Kofi" }, "wa_id": "233201234567" }],
                      "messages": [
                        { "from": "16505551234", "id": "wamid.A", "timestamp": "1749416383", "type": "text", "text": { "body": "one" } },
                        { "from": "233201234567", "id": "wamid.B", "timestamp": "1749416384", "type": "text", "text": { "body": "two" } }
                      ] } },
                  { "field": "account_update", "value": { "phone_number": "15550783881", "event": "VERIFIED_ACCOUNT" } },
                  { "field": "messages", "value": {
                      "messaging_product": "whatsapp",
                      "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
                      "statuses": [{ "id": "wamid.OUT", "status": "delivered", "timestamp": "1749416385", "recipient_id": "16505551234" }] } }
                ] },
                { "id": "987654321098765", "changes": [
                  { "field": "messages", "value": {
                      "messaging_product": "whatsapp",
                      "metadata": { "display_phone_number": "447700900123", "phone_number_id": "206540352242922" },
                      "contacts": [{ "profile": { "name": "Olu" }, "wa_id": "447911123456" }],
                      "messages": [{ "from": "447911123456", "id": "wamid.C", "timestamp": "1749416386", "type": "text", "text": { "body": "three" } }] } }
                ] }
              ]
            }
            """));

        Assert.Equal(["wamid.A", "wamid.B", "wamid.OUT", "wamid.C"], events.Select(e => e switch
        {
            InboundMessageEvent m => m.ProviderMessageId,
            MessageStatusEvent s => s.ProviderMessageId,
            _ => "?",
        }));
        var b = Assert.IsType<InboundMessageEvent>(events[1]);
        Assert.Equal(("+233201234567", "Kofi", "two"), (b.From, b.ProfileName, b.Text));
        var c = Assert.IsType<InboundMessageEvent>(events[3]);
        Assert.Equal(("+447911123456", "+447700900123", "Olu"), (c.From, c.To, c.ProfileName));
    }

    [Fact]
    public void AWebhookWithNothingWeModelGivesNoEvents() =>
        Assert.Empty(MetaWebhookParser.Parse(Request("""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1749416383,
              "changes":[{"field":"phone_number_quality_update","value":{"display_phone_number":"15550783881","event":"FLAGGED","current_limit":"TIER_10K"}}]}]}
            """)));

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"object":"whatsapp_business_account","entry":[""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""{"object":"page","entry":[]}""")]
    [InlineData("""{"entry":[]}""")]
    [InlineData("""{"object":"whatsapp_business_account"}""")]
    public void MalformedOrForeignBodiesAreFormatErrors(string body)
    {
        var e = Assert.Throws<FormatException>(() => MetaWebhookParser.Parse(Request(body)));

        Assert.StartsWith("Meta webhook", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "from": "16505551234", "timestamp": "1749416383", "type": "text", "text": { "body": "no id" } }""", "messages[0] has no 'id'")]
    [InlineData("""{ "from": "16505551234", "id": "wamid.X", "type": "text", "text": { "body": "no time" } }""", "messages[0].timestamp")]
    [InlineData("""{ "from": "16505551234", "id": "wamid.X", "timestamp": "yesterday", "type": "text", "text": { "body": "bad time" } }""", "messages[0].timestamp")]
    [InlineData("""{ "id": "wamid.X", "timestamp": "1749416383", "type": "text", "text": { "body": "no sender" } }""", "messages[0] has neither")]
    public void MessagesMissingWhatEveryMessageHasAreFormatErrorsNamingThePlace(string message, string place)
    {
        var e = Assert.Throws<FormatException>(() => MetaWebhookParser.Parse(Request(Inbound(message))));

        Assert.Contains("entry[0].changes[0].value." + place, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("16505551234", e.Message, StringComparison.Ordinal);
    }
}
