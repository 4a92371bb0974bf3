using System.Text;
using Functions.Channels;
using Functions.Channels.Twilio;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Channels.Twilio;

/// <summary>
/// <see cref="TwilioWebhookParser"/> over Twilio's form payloads: one case per inbound kind and
/// per status, unknown extra parameters, redeliveries, and malformed input.
/// </summary>
public sealed class TwilioWebhookParserTests
{
    private const string Sid = "SM8824d91645395b17594d92659b878468";
    private static readonly Uri Url = new("https://hooks.example.org/twilio/whatsapp?tenant=acme");
    private readonly ManualTimeProvider _time = new();

    /// <summary>What Twilio sends with every incoming WhatsApp message.</summary>
    private static readonly (string, string)[] Common =
    [
        ("SmsMessageSid", Sid), ("SmsSid", Sid), ("MessageSid", Sid), ("AccountSid", "ACefb707f7c4ce4d15bc4261fd1d5ed615"),
        ("From", "whatsapp:+46701234567"), ("To", "whatsapp:+14155238886"), ("WaId", "46701234567"), ("ProfileName", "Åsa Öberg"),
        ("SmsStatus", "received"), ("NumSegments", "1"), ("ReferralNumMedia", "0"), ("ApiVersion", "2010-04-01"),
    ];

    private static WebhookRequest Form(params (string Name, string Value)[] fields)
    {
        var body = string.Join("&", fields.Select(f => Uri.EscapeDataString(f.Name) + "=" + Uri.EscapeDataString(f.Value)));
        return new WebhookRequest(Url, "POST", new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" }, Encoding.UTF8.GetBytes(body));
    }

    private static WebhookRequest Inbound(params (string Name, string Value)[] fields) => Form([.. Common, .. fields]);

    private InboundMessageEvent ParseInbound(WebhookRequest request) =>
        Assert.IsType<InboundMessageEvent>(Assert.Single(TwilioWebhookParser.Parse(request, _time)));

    private MessageStatusEvent ParseStatus(WebhookRequest request) =>
        Assert.IsType<MessageStatusEvent>(Assert.Single(TwilioWebhookParser.Parse(request, _time)));

    [Fact]
    public void ATextMessage()
    {
        var message = ParseInbound(Inbound(("MessageType", "text"), ("Body", "Hej! Var är min order #12345?"), ("NumMedia", "0"),
            ("Forwarded", "false"), ("ChannelMetadata", """{"type":"whatsapp","data":{"context":{"ProfileName":"Åsa Öberg"}}}""")));

        Assert.Equal(TwilioWebhookParser.ProviderName, message.Provider);
        Assert.Equal(Sid, message.ProviderMessageId);
        Assert.Equal("+46701234567", message.From);
        Assert.Equal("+14155238886", message.To);
        Assert.Equal(_time.GetUtcNow(), message.Timestamp);
        Assert.Equal(MessageKind.Text, message.Kind);
        Assert.Equal("Hej! Var är min order #12345?", message.Text);
        Assert.Equal("Åsa Öberg", message.ProfileName);
        Assert.Empty(message.Media);
        Assert.Null(message.Location);
        Assert.Null(message.Reply);
        Assert.Null(message.Referral);
        Assert.Null(message.ContextMessageId);
        Assert.Null(message.ProviderType);
    }

    [Fact]
    public void UnknownParametersAreIgnored()
    {
        var plain = ParseInbound(Inbound(("MessageType", "text"), ("Body", "hi")));
        var extended = ParseInbound(Inbound(("MessageType", "text"), ("Body", "hi"), ("SomethingTwilioAddedLater", "x"), ("ExternalUserId", "whatsapp:ID.4566546130240823")));

        Assert.Equal(Describe(plain), Describe(extended));
    }

    [Fact]
    public void AnImageWithACaption()
    {
        var message = ParseInbound(Inbound(("MessageType", "image"), ("Body", "This one, in blue"), ("NumMedia", "1"),
            ("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"), ("MediaContentType0", "image/jpeg")));

        Assert.Equal(MessageKind.Image, message.Kind);
        var media = Assert.Single(message.Media);
        Assert.Equal(new MediaContent(new Uri("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"), "image/jpeg", "This one, in blue"), media);
        Assert.Equal("This one, in blue", message.Text);
    }

    [Fact]
    public void SeveralMediaItemsKeepTheirOrderAndTypes()
    {
        var message = ParseInbound(Inbound(("Body", ""), ("NumMedia", "2"),
            ("MediaUrl0", "https://api.twilio.com/m/0"), ("MediaContentType0", "image/png"),
            ("MediaUrl1", "https://api.twilio.com/m/1"), ("MediaContentType1", "application/pdf")));

        Assert.Equal(MessageKind.Image, message.Kind);
        Assert.Equal([new MediaContent(new Uri("https://api.twilio.com/m/0"), "image/png"), new MediaContent(new Uri("https://api.twilio.com/m/1"), "application/pdf")], message.Media);
        Assert.Null(message.Text);
    }

    [Theory]
    [InlineData("video", "video/mp4", MessageKind.Video)]
    [InlineData("audio", "audio/ogg", MessageKind.Audio)]
    [InlineData("document", "application/pdf", MessageKind.Document)]
    [InlineData("sticker", "image/webp", MessageKind.Sticker)]
    [InlineData(null, "video/mp4", MessageKind.Video)]
    [InlineData(null, "audio/ogg", MessageKind.Audio)]
    [InlineData(null, "application/pdf", MessageKind.Document)]
    [InlineData(null, "image/webp", MessageKind.Sticker)]
    [InlineData(null, "image/jpeg", MessageKind.Image)]
    [InlineData(null, "text/vcard", MessageKind.Contacts)]
    public void MediaKindsComeFromMessageTypeOrElseTheContentType(string? messageType, string contentType, MessageKind kind)
    {
        (string, string)[] fields = [("NumMedia", "1"), ("MediaUrl0", "https://api.twilio.com/m/0"), ("MediaContentType0", contentType)];
        var message = ParseInbound(Inbound(messageType is null ? fields : [.. fields, ("MessageType", messageType)]));

        Assert.Equal(kind, message.Kind);
        Assert.Equal(contentType, Assert.Single(message.Media).ContentType);
    }

    [Fact]
    public void ALocation()
    {
        var message = ParseInbound(Inbound(("MessageType", "location"), ("Body", ""), ("NumMedia", "0"),
            ("Latitude", "25.018766403198"), ("Longitude", "-77.395950317383"), ("Label", "Skygear HQ"), ("Address", "1 Bay Street, Nassau")));

        Assert.Equal(MessageKind.Location, message.Kind);
        Assert.Equal(new LocationContent(25.018766403198, -77.395950317383, "Skygear HQ", "1 Bay Street, Nassau"), message.Location);
        Assert.Null(message.Text);
    }

    [Fact]
    public void ALocationWithoutMessageTypeIsInferred()
    {
        var message = ParseInbound(Inbound(("Latitude", "59.3326"), ("Longitude", "18.0649")));

        Assert.Equal(MessageKind.Location, message.Kind);
        Assert.Equal(new LocationContent(59.3326, 18.0649), message.Location);
    }

    [Fact]
    public void AQuickReplyButtonTap()
    {
        // A captured payload's shape: MessageType=interactive, the button's text also in Body.
        var message = ParseInbound(Inbound(("MessageType", "interactive"), ("Body", "Konfirmasi"), ("ButtonText", "Konfirmasi"),
            ("ButtonPayload", "{verifyEmail:asd@asd.com}"), ("OriginalRepliedMessageSender", "whatsapp:+14155238886"),
            ("OriginalRepliedMessageSid", "MM5cc44eecf7dab0d48d4529d0fa4af44d"), ("NumMedia", "0")));

        Assert.Equal(MessageKind.Interactive, message.Kind);
        Assert.Equal(new InteractiveReply("{verifyEmail:asd@asd.com}", "Konfirmasi"), message.Reply);
        Assert.Equal("MM5cc44eecf7dab0d48d4529d0fa4af44d", message.ContextMessageId);
    }

    [Theory]
    [InlineData("button")]
    [InlineData(null)]
    public void ATemplateButtonTap(string? messageType)
    {
        (string, string)[] fields = [("Body", "Track order"), ("ButtonText", "Track order"), ("ButtonPayload", "track:12345")];
        var message = ParseInbound(Inbound(messageType is null ? fields : [.. fields, ("MessageType", messageType)]));

        Assert.Equal(MessageKind.Interactive, message.Kind);
        Assert.Equal(new InteractiveReply("track:12345", "Track order"), message.Reply);
    }

    [Fact]
    public void AReplyToAnEarlierMessageNamesIt()
    {
        var message = ParseInbound(Inbound(("MessageType", "text"), ("Body", "Nice"), ("OriginalRepliedMessageSid", "SM70cd0bbe75ce4540a2a8d0491f924c02")));

        Assert.Equal(MessageKind.Text, message.Kind);
        Assert.Equal("SM70cd0bbe75ce4540a2a8d0491f924c02", message.ContextMessageId);
    }

    [Fact]
    public void AClickToWhatsAppAdReferral()
    {
        var message = ParseInbound(Inbound(("MessageType", "text"), ("Body", "Hi, saw your ad"),
            ("ReferralCtwaClid", "ARAbc123ClickId"), ("ReferralSourceId", "120210000000000001"), ("ReferralSourceType", "ad"),
            ("ReferralSourceUrl", "https://fb.me/example-ad"), ("ReferralHeadline", "20% off"), ("ReferralBody", "Free delivery"),
            ("ReferralMediaId", "media-123"), ("ReferralMediaContentType", "image/jpeg"), ("ReferralMediaUrl", "https://cdn.example/ad.jpg")));

        Assert.Equal(new Referral("ad", "120210000000000001", "https://fb.me/example-ad", "20% off", "ARAbc123ClickId"), message.Referral);
    }

    [Fact]
    public void AnUnknownMessageTypeIsKeptAsUnsupported()
    {
        var message = ParseInbound(Inbound(("MessageType", "order"), ("Body", "")));

        Assert.Equal(MessageKind.Unsupported, message.Kind);
        Assert.Equal("order", message.ProviderType);
    }

    [Fact]
    public void AMessageWithNothingInItIsUnsupported()
    {
        Assert.Equal(MessageKind.Unsupported, ParseInbound(Inbound(("Body", ""), ("NumMedia", "0"))).Kind);
    }

    [Fact]
    public void MessageStatusReceivedIsAnInboundMessage()
    {
        var message = ParseInbound(Inbound(("MessageStatus", "received"), ("Body", "hi")));

        Assert.Equal("hi", message.Text);
    }

    [Fact]
    public void AGetWebhookCarriesItsParametersInTheQuery()
    {
        var url = new Uri($"https://hooks.example.org/twilio/whatsapp?MessageSid={Sid}&From=whatsapp%3A%2B46701234567&To=whatsapp%3A%2B14155238886&Body=Hej+d%C3%A5");
        var message = ParseInbound(new WebhookRequest(url, "GET", new Dictionary<string, string>(), []));

        Assert.Equal("+46701234567", message.From);
        Assert.Equal("Hej då", message.Text);
    }

    [Fact]
    public void ARedeliveredMessageParsesToTheSameEvent()
    {
        var request = Inbound(("MessageType", "image"), ("Body", "caption"), ("NumMedia", "1"), ("MediaUrl0", "https://api.twilio.com/m/0"),
            ("MediaContentType0", "image/jpeg"), ("ReferralCtwaClid", "click"), ("OriginalRepliedMessageSid", "SM1"));

        var first = ParseInbound(request);
        var again = ParseInbound(request);
        _time.Advance(TimeSpan.FromMinutes(5));
        var later = ParseInbound(request);

        Assert.Equal(Describe(first), Describe(again));
        Assert.Equal(first.ProviderMessageId, later.ProviderMessageId);
        Assert.Equal(Describe(first with { Timestamp = later.Timestamp }), Describe(later));
    }

    [Theory]
    [InlineData("queued", DeliveryStatus.Queued)]
    [InlineData("accepted", DeliveryStatus.Queued)]
    [InlineData("scheduled", DeliveryStatus.Queued)]
    [InlineData("sending", DeliveryStatus.Sent)]
    [InlineData("sent", DeliveryStatus.Sent)]
    [InlineData("delivered", DeliveryStatus.Delivered)]
    [InlineData("read", DeliveryStatus.Read)]
    [InlineData("failed", DeliveryStatus.Failed)]
    [InlineData("undelivered", DeliveryStatus.Failed)]
    [InlineData("canceled", DeliveryStatus.Failed)]
    public void StatusCallbacks(string twilioStatus, DeliveryStatus expected)
    {
        var status = ParseStatus(Form(("MessageSid", Sid), ("SmsSid", Sid), ("AccountSid", "AC1"), ("From", "whatsapp:+14155238886"),
            ("To", "whatsapp:+46701234567"), ("MessageStatus", twilioStatus), ("SmsStatus", twilioStatus), ("ChannelToAddress", "+4670XXXX567"),
            ("ChannelPrefix", "whatsapp"), ("ApiVersion", "2010-04-01"), ("StructuredMessage", "false")));

        Assert.Equal(new MessageStatusEvent(TwilioWebhookParser.ProviderName, Sid, expected, _time.GetUtcNow()) { Recipient = "+46701234567" }, status);
    }

    [Theory]
    [InlineData("failed", "63016", FailureReason.OutsideCareWindow)]
    [InlineData("undelivered", "63024", FailureReason.InvalidRecipient)]
    [InlineData("failed", "63018", FailureReason.RateLimited)]
    [InlineData("failed", "63032", FailureReason.Other)]
    [InlineData("undelivered", "30008", FailureReason.Other)]
    public void AFailedStatusCarriesTheClassifiedError(string twilioStatus, string code, FailureReason reason)
    {
        var status = ParseStatus(Form(("MessageSid", Sid), ("To", "whatsapp:+46701234567"), ("MessageStatus", twilioStatus), ("ErrorCode", code)));

        Assert.Equal(DeliveryStatus.Failed, status.Status);
        Assert.NotNull(status.Error);
        Assert.Equal(code, status.Error.Code);
        Assert.Equal(reason, status.Error.Reason);
        Assert.False(string.IsNullOrEmpty(status.Error.Message));
    }

    [Fact]
    public void AnErrorMessageInTheCallbackIsKeptWithNumbersMasked()
    {
        var status = ParseStatus(Form(("MessageSid", Sid), ("MessageStatus", "failed"), ("ErrorCode", "21211"), ("ErrorMessage", "Invalid 'To' +46701234567")));

        Assert.Equal(new ProviderError("21211", "Invalid 'To' +4670****567", FailureReason.InvalidRecipient), status.Error);
    }

    [Fact]
    public void AnUnknownCodeWithoutAMessageStillSaysWhatItIs()
    {
        var status = ParseStatus(Form(("MessageSid", Sid), ("MessageStatus", "undelivered"), ("ErrorCode", "30008")));

        Assert.Equal(new ProviderError("30008", "Twilio error 30008", FailureReason.Other), status.Error);
    }

    [Fact]
    public void ADeliveredStatusHasNoError()
    {
        Assert.Null(ParseStatus(Form(("MessageSid", Sid), ("MessageStatus", "delivered"), ("ErrorCode", ""))).Error);
    }

    [Fact]
    public void AStatusWeDoNotKnowYieldsNoEvent()
    {
        Assert.Empty(TwilioWebhookParser.Parse(Form(("MessageSid", Sid), ("MessageStatus", "partially_delivered")), _time));
    }

    public static TheoryData<WebhookRequest, string> Malformed => new()
    {
        { new WebhookRequest(Url, "POST", new Dictionary<string, string> { ["Content-Type"] = "application/json" }, """{"MessageSid":"SM1"}"""u8.ToArray()), "form" },
        { Form(("From", "whatsapp:+46701234567"), ("To", "whatsapp:+14155238886"), ("Body", "hi")), "MessageSid" },
        { Form(), "MessageSid" },
        { Form(("MessageSid", Sid), ("To", "whatsapp:+14155238886"), ("Body", "hi")), "From" },
        { Form(("MessageSid", Sid), ("From", "whatsapp:+46701234567"), ("Body", "hi")), "To" },
        { Inbound(("NumMedia", "many")), "NumMedia" },
        { Inbound(("NumMedia", "2"), ("MediaUrl0", "https://api.twilio.com/m/0")), "MediaUrl1" },
        { Inbound(("NumMedia", "1"), ("MediaUrl0", "/relative")), "MediaUrl0" },
        { Inbound(("Latitude", "north"), ("Longitude", "18.06")), "Latitude" },
        { Inbound(("Latitude", "59.3")), "Longitude" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedInputIsAFormatExceptionNamingTheProblem(WebhookRequest request, string named)
    {
        var ex = Assert.Throws<FormatException>(() => TwilioWebhookParser.Parse(request, _time));

        Assert.Contains(named, ex.Message);
    }

    /// <summary>An event's contents as text: records compare lists by reference, so compare this.</summary>
    private static string Describe(InboundMessageEvent e) =>
        $"{e with { Media = [] }} media=[{string.Join(", ", e.Media)}] contacts={e.Contacts.Count}";
}
