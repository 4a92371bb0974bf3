using System.Text;
using Functions.Channels;
using Functions.Channels.Sandbox;

namespace Functions.Tests.Channels.Sandbox;

public sealed class SandboxWebhookParserTests
{
    private static readonly DateTimeOffset At = new(2030, 1, 7, 10, 0, 2, TimeSpan.Zero);

    private static WebhookRequest Request(string json) =>
        new(new Uri("urn:sandbox:status"), "POST", new Dictionary<string, string>(), Encoding.UTF8.GetBytes(json));

    private static InboundMessageEvent ParseMessage(string message) =>
        Assert.IsType<InboundMessageEvent>(Assert.Single(SandboxWebhookParser.Parse(Request($$"""{"messages":[{{message}}]}"""))));

    [Fact]
    public void StatusesBecomeStatusEventsWithRecipientAndClientReference()
    {
        var events = SandboxWebhookParser.Parse(Request("""
            {"statuses":[
              {"id":"sbx1","status":"sent","timestamp":"2030-01-07T10:00:00+00:00","recipient":"+46701234567","clientReference":"msg-42"},
              {"id":"sbx1","status":"delivered","timestamp":"2030-01-07T10:00:02+00:00","recipient":"+46701234567"},
              {"id":"sbx1","status":"read","timestamp":"2030-01-07T10:00:05Z"}]}
            """));

        Assert.Equal(
            [
                new MessageStatusEvent("sandbox", "sbx1", DeliveryStatus.Sent, At.AddSeconds(-2)) { Recipient = "+46701234567", ClientReference = "msg-42" },
                new MessageStatusEvent("sandbox", "sbx1", DeliveryStatus.Delivered, At) { Recipient = "+46701234567" },
                new MessageStatusEvent("sandbox", "sbx1", DeliveryStatus.Read, At.AddSeconds(3)),
            ],
            events);
    }

    [Fact]
    public void AFailedStatusCarriesItsError()
    {
        var failed = Assert.IsType<MessageStatusEvent>(Assert.Single(SandboxWebhookParser.Parse(Request("""
            {"statuses":[{"id":"sbx2","status":"failed","timestamp":"2030-01-07T10:00:02+00:00",
              "error":{"code":"sandbox_undeliverable","message":"Could not be delivered.","reason":"invalidRecipient"}}]}
            """))));
        Assert.Equal(DeliveryStatus.Failed, failed.Status);
        Assert.Equal(new ProviderError("sandbox_undeliverable", "Could not be delivered.", FailureReason.InvalidRecipient), failed.Error);
    }

    [Fact]
    public void UnknownPropertiesStatusesAndReasonsAreSkippedNotErrors()
    {
        var events = SandboxWebhookParser.Parse(Request("""
            {"version":2,"statuses":[
              {"id":"sbx3","status":"played","timestamp":"2030-01-07T10:00:02+00:00"},
              {"id":"sbx3","status":"failed","timestamp":"2030-01-07T10:00:02+00:00","pricing":{"billable":false},"error":{"reason":"cosmicRays"}}],
             "messages":[{"id":"in1","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"text","text":"Hi","future":[1,2]}]}
            """));

        Assert.Equal(2, events.Count);
        var failed = Assert.IsType<MessageStatusEvent>(events[0]);
        Assert.Equal(new ProviderError("unknown", "The sandbox reported an error without a message.", FailureReason.Other), failed.Error);
        Assert.Equal("Hi", Assert.IsType<InboundMessageEvent>(events[1]).Text);
    }

    [Fact]
    public void ATextMessageComesFromTheCustomerToTheSandbox()
    {
        var message = ParseMessage("""
            {"id":"in1","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"text","text":"Hi there","profileName":"Ada","contextMessageId":"sbx9"}
            """);
        Assert.Equal(new InboundMessageEvent("sandbox", "in1", "+46701234567", "sandbox", At, MessageKind.Text), message with { Text = null, ProfileName = null, ContextMessageId = null });
        Assert.Equal(("Hi there", "Ada", "sbx9"), (message.Text, message.ProfileName, message.ContextMessageId));
        Assert.Empty(message.Media);
        Assert.Null(message.ProviderType);
    }

    [Fact]
    public void MediaLocationButtonsReactionsContactsAndReferralsAreRead()
    {
        var image = ParseMessage("""
            {"id":"i","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"image","text":"Look",
             "media":{"url":"https://cdn.example.com/a.jpg","contentType":"image/jpeg","caption":"Look"}}
            """);
        Assert.Equal(MessageKind.Image, image.Kind);
        Assert.Equal(new MediaContent(new Uri("https://cdn.example.com/a.jpg"), "image/jpeg", "Look"), Assert.Single(image.Media));

        var location = ParseMessage("""
            {"id":"l","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"location",
             "location":{"latitude":59.3293,"longitude":18.0686,"name":"Office","address":"Drottninggatan 1"}}
            """);
        Assert.Equal(new LocationContent(59.3293, 18.0686, "Office", "Drottninggatan 1"), location.Location);

        var button = ParseMessage("""{"id":"b","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"button","reply":{"id":"yes","title":"Yes please"}}""");
        Assert.Equal((MessageKind.Interactive, new InteractiveReply("yes", "Yes please")), (button.Kind, button.Reply));

        var reaction = ParseMessage("""{"id":"r","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"reaction","reaction":{"messageId":"sbx1","emoji":"👍"}}""");
        Assert.Equal((MessageKind.Reaction, new ReactionContent("sbx1", "👍")), (reaction.Kind, reaction.Reaction));

        var contacts = ParseMessage("""{"id":"c","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"contacts","contacts":[{"name":"Bo","phones":["+46709876543"]}]}""");
        var card = Assert.Single(contacts.Contacts);
        Assert.Equal("Bo", card.Name);
        Assert.Equal(["+46709876543"], card.Phones);

        var fromAd = ParseMessage("""
            {"id":"a","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","text":"I saw your ad",
             "referral":{"sourceType":"ad","sourceId":"120","sourceUrl":"https://fb.me/x","headline":"Spring sale","clickId":"ctwa-1"}}
            """);
        Assert.Equal(MessageKind.Text, fromAd.Kind); // no type: text
        Assert.Equal(new Referral("ad", "120", "https://fb.me/x", "Spring sale", "ctwa-1"), fromAd.Referral);
    }

    [Fact]
    public void AnUnknownTypeOrAButtonWithoutItsReplyIsKeptAsUnsupported()
    {
        var poll = ParseMessage("""{"id":"p","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"poll"}""");
        Assert.Equal((MessageKind.Unsupported, "poll"), (poll.Kind, poll.ProviderType));
        var button = ParseMessage("""{"id":"b","from":"+46701234567","timestamp":"2030-01-07T10:00:02+00:00","type":"button"}""");
        Assert.Equal((MessageKind.Unsupported, "button", null), (button.Kind, button.ProviderType, button.Reply));
    }

    [Fact]
    public void WhatTheSandboxWritesReadsBackTheSame()
    {
        var sent = new InboundMessageEvent("sandbox", "sbx123", "+46701234567", "sandbox", At, MessageKind.Interactive)
        {
            ProfileName = "Ada",
            Reply = new InteractiveReply("yes", "Yes"),
            Referral = new Referral("ad", "120", null, "Sale", "ctwa"),
            ContextMessageId = "sbx1",
        };
        var read = ParseMessageBody(SandboxWebhookBody.Message(sent).ToUtf8());
        Assert.Equal(sent with { Media = read.Media, Contacts = read.Contacts }, read);

        var status = new MessageStatusEvent("sandbox", "sbx9", DeliveryStatus.Failed, At)
        {
            Recipient = "+46701234567",
            ClientReference = "msg-1",
            Error = new ProviderError("sandbox_undeliverable", "No.", FailureReason.InvalidRecipient),
        };
        Assert.Equal(status, Assert.Single(SandboxWebhookParser.Parse(new WebhookRequest(new Uri("urn:x"), "POST", new Dictionary<string, string>(), SandboxWebhookBody.Status(status).ToUtf8()))));
    }

    private static InboundMessageEvent ParseMessageBody(byte[] body) =>
        Assert.IsType<InboundMessageEvent>(Assert.Single(SandboxWebhookParser.Parse(new WebhookRequest(new Uri("urn:x"), "POST", new Dictionary<string, string>(), body))));

    [Theory]
    [InlineData("", "$")]
    [InlineData("not json", "$")]
    [InlineData("[]", "$")]
    [InlineData("{}", "neither")]
    [InlineData("""{"statuses":{"id":"x"}}""", "$.statuses")]
    [InlineData("""{"statuses":[null]}""", "statuses[0]")]
    [InlineData("""{"statuses":[{"status":"sent","timestamp":"2030-01-07T10:00:00Z"}]}""", "statuses[0] has no 'id'")]
    [InlineData("""{"statuses":[{"id":"x","timestamp":"2030-01-07T10:00:00Z"}]}""", "statuses[0] has no 'status'")]
    [InlineData("""{"statuses":[{"id":"x","status":"sent"}]}""", "statuses[0] has no 'timestamp'")]
    [InlineData("""{"statuses":[{"id":"x","status":"sent","timestamp":"yesterday"}]}""", "$.statuses[0].timestamp")]
    [InlineData("""{"messages":[{"id":"x","timestamp":"2030-01-07T10:00:00Z","text":"hi"}]}""", "messages[0] has no 'from'")]
    [InlineData("""{"messages":[{"id":"x","from":"+46701234567","timestamp":"2030-01-07T10:00:00Z","type":"image","media":{"url":"/relative"}}]}""", "messages[0].media.url")]
    public void UnreadableBodiesAreFormatErrorsNamingThePlace(string body, string named)
    {
        var ex = Assert.Throws<FormatException>(() => SandboxWebhookParser.Parse(Request(body)));
        Assert.Contains(named, ex.Message);
    }
}
