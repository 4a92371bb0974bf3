using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Twilio;
using Functions.Tests.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Functions.Tests.Channels.Twilio;

/// <summary>
/// <see cref="TwilioClient"/> over real HTTP against <see cref="FakeTwilioServer"/> on 127.0.0.1:
/// the exact form per message kind, authentication, answers, errors and the outcome-unknown rules.
/// </summary>
public sealed class TwilioClientTests : IAsyncLifetime
{
    internal const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    internal const string AuthToken = "s3cr3t-auth-token-value";
    internal const string ApiKeySid = "SKfedcba9876543210fedcba9876543210";
    internal const string ApiKeySecret = "s3cr3t-api-key-secret";
    internal const string ServiceSid = "MG0123456789abcdef0123456789abcdef";
    internal const string ContentSid = "HX0123456789abcdef0123456789abcdef";
    internal const string Sender = "+14155238886";
    internal const string Customer = "+46701234567";

    private static readonly TwilioAccount Account = new(AccountSid, authToken: AuthToken, from: Sender);

    private FakeTwilioServer _twilio = null!;
    private readonly HttpClient _http = new();
    private readonly ListLogger<TwilioClient> _log = new();

    public async Task InitializeAsync() => _twilio = await FakeTwilioServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _twilio.DisposeAsync();
    }

    private TwilioClient Client(TimeSpan? timeout = null, TimeProvider? time = null) => new(
        _http,
        new TwilioClientOptions { BaseUrl = _twilio.BaseUrl, Timeout = timeout ?? TimeSpan.FromSeconds(5), TimeProvider = time ?? TimeProvider.System },
        _log);

    private async Task<TwilioRecordedRequest> SendAndCaptureAsync(OutboundMessage message, TwilioAccount? account = null)
    {
        await Client().SendAsync(account ?? Account, message);
        return Assert.Single(_twilio.Requests);
    }

    [Fact]
    public async Task TextGoesAsBodyToTheMessagesResourceWithWhatsAppAddresses()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Created(context, "SM11111111111111111111111111111111", "queued");

        var receipt = await Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "Hej! Din order är skickad & på väg." });

        Assert.Equal(new SendReceipt("SM11111111111111111111111111111111", DeliveryStatus.Queued), receipt);
        var request = Assert.Single(_twilio.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Messages.json", request.Path);
        Assert.StartsWith("application/x-www-form-urlencoded", request.Headers["Content-Type"]);
        Assert.Equal(["To", "From", "Body"], request.FieldNames);
        Assert.Equal("whatsapp:" + Customer, request.Single("To"));
        Assert.Equal("whatsapp:" + Sender, request.Single("From"));
        Assert.Equal("Hej! Din order är skickad & på väg.", request.Single("Body"));
    }

    [Fact]
    public async Task BasicAuthIsTheAccountSidAndAuthToken()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" });

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")), request.Headers["Authorization"]);
    }

    [Fact]
    public async Task BasicAuthIsTheApiKeyWhenTheAccountHasOne()
    {
        var account = new TwilioAccount(AccountSid, authToken: AuthToken, apiKeySid: ApiKeySid, apiKeySecret: ApiKeySecret, from: Sender);

        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }, account);

        // The API key authenticates; the URL still names the account.
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ApiKeySid}:{ApiKeySecret}")), request.Headers["Authorization"]);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Messages.json", request.Path);
    }

    [Fact]
    public async Task AMessagingServiceIsSentInsteadOfFrom()
    {
        var account = new TwilioAccount(AccountSid, authToken: AuthToken, messagingServiceSid: ServiceSid);

        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }, account);

        Assert.Equal(["To", "MessagingServiceSid", "Body"], request.FieldNames);
        Assert.Equal(ServiceSid, request.Single("MessagingServiceSid"));
    }

    [Fact]
    public async Task AMessagingServiceWithAFromNumberSendsBoth()
    {
        var account = new TwilioAccount(AccountSid, authToken: AuthToken, from: Sender, messagingServiceSid: ServiceSid);

        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }, account);

        Assert.Equal(["To", "From", "MessagingServiceSid", "Body"], request.FieldNames);
    }

    [Theory]
    [InlineData(MessageKind.Image, "https://cdn.example.com/receipt.jpg")]
    [InlineData(MessageKind.Video, "https://cdn.example.com/unboxing.mp4")]
    [InlineData(MessageKind.Audio, "https://cdn.example.com/note.ogg")]
    [InlineData(MessageKind.Document, "https://cdn.example.com/invoice%2042.pdf")]
    [InlineData(MessageKind.Sticker, "https://cdn.example.com/thanks.webp")]
    public async Task MediaGoesAsMediaUrlWithTheCaptionAsBody(MessageKind kind, string url)
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, kind)
        {
            Media = new MediaContent(new Uri(url), Caption: "Order #12345", FileName: "ignored.pdf"),
        });

        Assert.Equal(["To", "From", "Body", "MediaUrl"], request.FieldNames);
        Assert.Equal(url, request.Single("MediaUrl"));
        Assert.Equal("Order #12345", request.Single("Body"));
    }

    [Fact]
    public async Task MediaWithoutACaptionHasNoBody()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Image) { Media = new MediaContent(new Uri("https://cdn.example.com/a.png")) });

        Assert.Equal(["To", "From", "MediaUrl"], request.FieldNames);
    }

    [Fact]
    public async Task ATemplateGoesAsContentSidAndVariablesWithoutBodyOrMedia()
    {
        var variables = new Dictionary<string, string> { ["1"] = "Grace O'Neil", ["2"] = "#IQma2srq", ["3"] = "HKD 6,899.00 – \"paid\"" };

        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Template)
        {
            Template = new TemplateContent("order_paid", "en", variables, ContentSid),
        });

        Assert.Equal(["To", "From", "ContentSid", "ContentVariables"], request.FieldNames);
        Assert.Equal(ContentSid, request.Single("ContentSid"));
        var sent = JsonSerializer.Deserialize<Dictionary<string, string>>(request.Single("ContentVariables"));
        Assert.Equal(variables, sent);
    }

    [Fact]
    public async Task ATemplateWithoutVariablesSendsOnlyItsContentSid()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Template)
        {
            Template = new TemplateContent("hello", "en", new Dictionary<string, string>(), ContentSid),
        });

        Assert.Equal(["To", "From", "ContentSid"], request.FieldNames);
    }

    [Fact]
    public async Task ATemplateNeedsAContentSid()
    {
        var message = new OutboundMessage(Customer, MessageKind.Template) { Template = new TemplateContent("order_paid", "en", new Dictionary<string, string>()) };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Client().SendAsync(Account, message));

        Assert.Contains("ContentSid", ex.Message);
        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task ATemplateHeaderMediaIsRefusedBecauseTwilioTakesItFromTheContent()
    {
        var message = new OutboundMessage(Customer, MessageKind.Template)
        {
            Template = new TemplateContent("receipt", "en", new Dictionary<string, string>(), ContentSid, new MediaContent(new Uri("https://cdn.example.com/r.pdf"))),
        };

        await Assert.ThrowsAsync<NotSupportedException>(() => Client().SendAsync(Account, message));
        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task ALocationGoesAsBodyAndAGeoPersistentAction()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Location)
        {
            Location = new LocationContent(59.3326, 18.0649, "Skygear HQ", "Drottninggatan 1, Stockholm"),
        });

        Assert.Equal(["To", "From", "Body", "PersistentAction"], request.FieldNames);
        Assert.Equal("Skygear HQ", request.Single("Body"));
        Assert.Equal("geo:59.3326,18.0649|Drottninggatan 1, Stockholm", request.Single("PersistentAction"));
    }

    [Fact]
    public async Task ALocationWithOnlyAnAddressUsesItAsTheName()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Location)
        {
            Location = new LocationContent(-33.8688, 151.2093, Address: "Pickup point B"),
        });

        Assert.Equal("Pickup point B", request.Single("Body"));
        Assert.Equal("geo:-33.8688,151.2093", request.Single("PersistentAction"));
    }

    [Fact]
    public async Task ALocationWithoutAName()
    {
        var message = new OutboundMessage(Customer, MessageKind.Location) { Location = new LocationContent(1, 2) };

        await Assert.ThrowsAsync<ArgumentException>(() => Client().SendAsync(Account, message));
        Assert.Empty(_twilio.Requests);
    }

    public static TheoryData<OutboundMessage> Unsendable => new()
    {
        new OutboundMessage(Customer, MessageKind.Interactive) { Interactive = new InteractiveContent("Pick one", [new ReplyButton("yes", "Yes"), new ReplyButton("no", "No")]) },
        new OutboundMessage(Customer, MessageKind.Reaction) { Reaction = new ReactionContent("SM11111111111111111111111111111111", "👍") },
        new OutboundMessage(Customer, MessageKind.Contacts),
    };

    [Theory]
    [MemberData(nameof(Unsendable))]
    public async Task KindsTwilioCannotSendDirectlyAreRefusedBeforeAnyRequest(OutboundMessage message)
    {
        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => Client().SendAsync(Account, message));

        Assert.Contains("Twilio", ex.Message);
        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task InteractiveIsRefusedWithAPointerToContentTemplates()
    {
        var message = new OutboundMessage(Customer, MessageKind.Interactive) { Interactive = new InteractiveContent("Pick", [new ReplyButton("a", "A")]) };

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => Client().SendAsync(Account, message));

        Assert.Contains("twilio/quick-reply", ex.Message);
        Assert.Contains("ContentSid", ex.Message);
    }

    [Theory]
    [InlineData("46701234567")]
    [InlineData("whatsapp:+46701234567")]
    [InlineData("+0701234567")]
    public async Task TheRecipientMustBeE164(string to)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().SendAsync(Account, new OutboundMessage(to, MessageKind.Text) { Text = "hi" }));
        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task TheStatusCallbackIsSentWhenGiven()
    {
        var request = await SendAndCaptureAsync(new OutboundMessage(Customer, MessageKind.Text)
        {
            Text = "hi",
            StatusCallback = new Uri("https://hooks.example.com/twilio/status?tenant=acme"),
        });

        Assert.Equal(["To", "From", "Body", "StatusCallback"], request.FieldNames);
        Assert.Equal("https://hooks.example.com/twilio/status?tenant=acme", request.Single("StatusCallback"));
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
    [InlineData("something_new", DeliveryStatus.Queued)]
    public async Task TheAnswersStatusBecomesTheReceiptsStatus(string twilioStatus, DeliveryStatus expected)
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Created(context, "MM22222222222222222222222222222222", twilioStatus);

        var receipt = await Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" });

        Assert.Equal(("MM22222222222222222222222222222222", expected), (receipt.ProviderMessageId, receipt.Status));
        Assert.Equal(expected == DeliveryStatus.Failed, receipt.Error is not null);
    }

    [Fact]
    public async Task AnAcceptedButFailedSendKeepsTwiliosReason()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Json(context, 201,
            """{"sid":"MM33333333333333333333333333333333","status":"failed","error_code":63016,"error_message":"Failed to send freeform message because you are outside the allowed window."}""");

        var receipt = await Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" });

        Assert.Equal(DeliveryStatus.Failed, receipt.Status);
        Assert.Equal(("63016", FailureReason.OutsideCareWindow), (receipt.Error!.Code, receipt.Error.Reason));
    }

    [Theory]
    [InlineData(400, 63016, FailureReason.OutsideCareWindow)]
    [InlineData(400, 21211, FailureReason.InvalidRecipient)]
    [InlineData(400, 63024, FailureReason.InvalidRecipient)]
    [InlineData(400, 21610, FailureReason.RecipientOptedOut)]
    [InlineData(400, 63027, FailureReason.TemplateProblem)]
    [InlineData(400, 21656, FailureReason.TemplateProblem)]
    [InlineData(401, 20003, FailureReason.Unauthorized)]
    [InlineData(400, 21408, FailureReason.InvalidRequest)]
    [InlineData(400, 21602, FailureReason.InvalidRequest)]
    [InlineData(403, 20008, FailureReason.Unauthorized)]
    public async Task ATwilioErrorBecomesAChannelSendExceptionWithItsReason(int status, int code, FailureReason reason)
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, status, code, "Twilio says no");

        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.Equal(new ProviderError(code.ToString(System.Globalization.CultureInfo.InvariantCulture), "Twilio says no", reason), ex.Error);
        Assert.Equal(status, ex.HttpStatus);
        Assert.Null(ex.RetryAfter);
        Assert.False(ex.IsRetryable);
    }

    [Fact]
    public async Task A429WithRetryAfterSecondsIsRateLimitedAndRetryable()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, 429, 20429, "Too Many Requests", ("Retry-After", "7"));

        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.Equal(FailureReason.RateLimited, ex.Error.Reason);
        Assert.Equal("20429", ex.Error.Code);
        Assert.Equal(429, ex.HttpStatus);
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task ARetryAfterDateCountsFromTheClock()
    {
        var time = new ManualTimeProvider();
        var until = time.GetUtcNow().AddSeconds(30).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, 429, 20429, "Too Many Requests", ("Retry-After", until));

        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => Client(time: time).SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.Equal(TimeSpan.FromSeconds(30), ex.RetryAfter);
    }

    [Fact]
    public async Task A429WithoutACodeIsStillRateLimited()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Json(context, 429, "{}");

        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.Equal(FailureReason.RateLimited, ex.Error.Reason);
        Assert.Equal("429", ex.Error.Code);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task A500WithoutTwilioJsonIsProviderUnavailableAndRetryable()
    {
        _twilio.Respond = async (_, context) =>
        {
            context.Response.StatusCode = 500;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>Bad gateway</html>");
        };

        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.Equal(FailureReason.ProviderUnavailable, ex.Error.Reason);
        Assert.Equal("500", ex.Error.Code);
        Assert.Equal(500, ex.HttpStatus);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task A503WithTwilioJsonIsProviderUnavailable()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, 503, 20500, "Internal Server Error", ("Retry-After", "2"));

        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.Equal(FailureReason.ProviderUnavailable, ex.Error.Reason);
        Assert.Equal(TimeSpan.FromSeconds(2), ex.RetryAfter);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task PhoneNumbersInTwilioErrorTextsAreMasked()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, 400, 21211, $"The 'To' number {Customer} is not a valid phone number.");

        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.Equal("The 'To' number +4670****567 is not a valid phone number.", ex.Error.Message);
        Assert.DoesNotContain(Customer, ex.Message);
    }

    [Fact]
    public async Task AnAnswerSlowerThanTheTimeoutHasAnUnknownOutcome()
    {
        _twilio.Respond = async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
            await FakeTwilioServer.Created(context, "SM33333333333333333333333333333333", "queued");
        };

        var ex = await Assert.ThrowsAsync<SendOutcomeUnknownException>(() =>
            Client(timeout: TimeSpan.FromSeconds(2)).SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.IsAssignableFrom<OperationCanceledException>(ex.InnerException);
        Assert.Single(_twilio.Requests); // it did reach "Twilio"
    }

    [Fact]
    public async Task AConnectionLostAfterTheRequestHasAnUnknownOutcome()
    {
        _twilio.Respond = (_, context) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };

        var ex = await Assert.ThrowsAsync<SendOutcomeUnknownException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.IsType<HttpRequestException>(ex.InnerException);
        Assert.Single(_twilio.Requests);
    }

    [Fact]
    public async Task ASuccessWithoutAMessageSidHasAnUnknownOutcome()
    {
        _twilio.Respond = (_, context) => FakeTwilioServer.Json(context, 201, """{"status":"queued"}""");

        await Assert.ThrowsAsync<SendOutcomeUnknownException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));
    }

    [Fact]
    public async Task ARefusedConnectionSentNothingSoItIsRetryable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: connecting is refused

        var client = new TwilioClient(_http, new TwilioClientOptions { BaseUrl = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) });
        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => client.SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }));

        Assert.Equal(FailureReason.ProviderUnavailable, ex.Error.Reason);
        Assert.Equal("ConnectionError", ex.Error.Code);
        Assert.Equal(0, ex.HttpStatus);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task TheCallersCancellationIsACancellationNotAnUnknownOutcome()
    {
        var reached = new TaskCompletionSource();
        _twilio.Respond = async (_, context) =>
        {
            reached.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        };
        using var cancel = new CancellationTokenSource();

        var send = Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }, cancel.Token);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await cancel.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Equal(cancel.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task AnAlreadyCancelledSendSendsNothing()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = "hi" }, new CancellationToken(canceled: true)));
        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task LogsCarryNoBodiesSecretsOrFullNumbers()
    {
        const string body = "Your one-time code is 493817";
        await Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = body });
        _twilio.Respond = (_, context) => FakeTwilioServer.Error(context, 400, 21211, $"The 'To' number {Customer} is not a valid phone number.");
        await Assert.ThrowsAsync<ChannelSendException>(() => Client().SendAsync(Account, new OutboundMessage(Customer, MessageKind.Text) { Text = body }));

        var logs = string.Join("\n", _log.Messages);
        Assert.Contains("+4670****567", logs);
        Assert.DoesNotContain(Customer, logs);
        Assert.DoesNotContain(body, logs);
        Assert.DoesNotContain(AuthToken, logs);
    }

    [Fact]
    public void OptionsAreChecked()
    {
        Assert.Throws<ArgumentException>(() => new TwilioClient(_http, new TwilioClientOptions { BaseUrl = new Uri("/relative", UriKind.Relative) }));
        Assert.Throws<ArgumentException>(() => new TwilioClient(_http, new TwilioClientOptions { Timeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentNullException>(() => new TwilioClient(null!, new TwilioClientOptions()));
    }
}
