using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tests.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Functions.Tests.Hosting;

/// <summary>
/// The operator's poison-message API on the whole app: a message that keeps failing ends in the
/// poison queue, is listed with its error, and is replayed (and then handled) or discarded. Every
/// refused request leaves the poison queue as it was.
/// </summary>
public sealed class PoisonMessageEndpointsTests : IAsyncLifetime
{
    private const string Phone = "+46701234567";
    private readonly FlakySwitch _flaky = new();
    private readonly TenantApiFixture _api;
    private HttpClient _operator = null!;

    public PoisonMessageEndpointsTests() => _api = new TenantApiFixture(
        new Dictionary<string, string?>
        {
            ["Queues:MaxDequeueCount"] = "2",
            ["Queues:VisibilityTimeout"] = "00:00:00",
            ["Queues:MaxPollingInterval"] = "00:00:00.200",
        },
        (catalog, _) => catalog
            .AddQueue<AlwaysFailingHandler>("AlwaysFails", "doomed")
            .AddQueue<FlakyHandler>("Flaky", "flaky"),
        services => services.AddSingleton(_flaky));

    public Task InitializeAsync()
    {
        _operator = _api.Operator();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private IQueueStore Queues => _api.App.Get<IQueueStore>();

    private async Task<PoisonQueueView> ListAsync(string queue) =>
        Assert.Single((await _operator.GetFromJsonAsync<PoisonQueueList>($"/api/operator/poison-messages?queue={queue}", TestJson.Options))!.Queues);

    private async Task<IReadOnlyList<TableEntity>> ReasonsAsync(string queue) =>
        await _api.App.Get<PoisonMessages>().ListReasonsAsync(_api.App.Get<FunctionCatalog>().QueueFunctions.Single(f => f.QueueName == queue), default);

    /// <summary>A message the Functions host moved: in the poison queue, with no recorded reason.</summary>
    private async Task<string> HostMovedAsync(string text) => (await Queues.SendAsync("doomed-poison", text)).MessageId;

    private async Task AssertUntouchedAsync(string poisonMessageId)
    {
        var peeked = Assert.Single(await Queues.PeekAsync("doomed-poison", 32));
        Assert.Equal((poisonMessageId, 0L), (peeked.MessageId, peeked.DequeueCount)); // still visible, never received
        Assert.Equal(1, await Queues.GetApproximateMessageCountAsync("doomed-poison"));
        Assert.Equal(0, await Queues.GetApproximateMessageCountAsync("doomed"));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task AFailingMessageIsListedWithItsErrorAndOnceReplayedIsHandled()
    {
        var sent = await Queues.SendAsync("flaky", $"order 42 for {Phone}");
        await Eventually.TrueAsync(async () => await Queues.GetApproximateMessageCountAsync("flaky-poison") == 1, "the message is poisoned");

        var raw = await _operator.GetStringAsync("/api/operator/poison-messages?queue=flaky");
        Assert.DoesNotContain(Phone, raw); // lists never show message text
        var flaky = Assert.Single(JsonSerializer.Deserialize<PoisonQueueList>(raw, TestJson.Options)!.Queues);
        Assert.Equal(("flaky", "flaky-poison", "Flaky", 1), (flaky.Queue, flaky.PoisonQueue, flaky.Function, flaky.Count));
        var item = Assert.Single(flaky.Items);
        Assert.Equal((sent.MessageId, 2L), (item.OriginalMessageId, item.DequeueCount));
        Assert.Contains("InvalidOperationException: Flaky failed on purpose.", item.LastError, StringComparison.Ordinal);
        Assert.NotNull(item.FailedOn);

        var details = await _operator.GetFromJsonAsync<PoisonMessageDetails>($"/api/operator/poison-messages/flaky/{item.Id}", TestJson.Options);
        Assert.Equal((item.Id, $"order 42 for {Phone}", item.LastError), (details!.Id, details.Text, details.LastError));

        _flaky.Failing = false;
        var response = await _operator.PostAsync($"/api/operator/poison-messages/flaky/{item.Id}/replay", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var replayed = (await response.Content.ReadFromJsonAsync<ReplayedPoisonMessage>(TestJson.Options))!;
        Assert.Equal(("flaky", item.Id), (replayed.Queue, replayed.PoisonMessageId));

        var log = _api.App.Get<TestFunctionLog>();
        await Eventually.TrueAsync(() => Task.FromResult(log.Invocations.Any(i => i.MessageId == replayed.MessageId)), "the replayed message is handled");
        Assert.Equal($"order 42 for {Phone}", log.Invocations.Single(i => i.MessageId == replayed.MessageId).MessageText);
        await Eventually.TrueAsync(async () => await Queues.GetApproximateMessageCountAsync("flaky") == 0, "the handled message is deleted");
        var after = await ListAsync("flaky");
        Assert.Equal(0, after.Count);
        Assert.Empty(after.Items);
        Assert.Empty(await ReasonsAsync("flaky"));

        await AssertProblemAsync(await _operator.PostAsync($"/api/operator/poison-messages/flaky/{item.Id}/replay", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DiscardRemovesAMessageForGoodWhetherOrNotItsReasonWasRecorded()
    {
        await Queues.SendAsync("doomed", "never works");
        await Eventually.TrueAsync(async () => await Queues.GetApproximateMessageCountAsync("doomed-poison") == 1, "the message is poisoned");
        var hostMoved = await HostMovedAsync("moved by the host");

        var doomed = await ListAsync("doomed");
        Assert.Equal(2, doomed.Count);
        Assert.Equal(2, doomed.Items.Count);
        var recorded = doomed.Items[0];
        Assert.Contains("Attempt 2 failed on purpose", recorded.LastError, StringComparison.Ordinal);
        Assert.Equal(new PoisonMessageView(hostMoved, doomed.Items[1].InsertedOn, null, null, null, null), doomed.Items[1]);

        Assert.Equal(HttpStatusCode.NoContent, (await _operator.DeleteAsync($"/api/operator/poison-messages/doomed/{recorded.Id}")).StatusCode);
        Assert.Equal([hostMoved], (await ListAsync("doomed")).Items.Select(i => i.Id));
        Assert.Empty(await ReasonsAsync("doomed"));

        Assert.Equal(HttpStatusCode.NoContent, (await _operator.DeleteAsync($"/api/operator/poison-messages/doomed/{hostMoved}")).StatusCode);
        Assert.Equal(0, (await ListAsync("doomed")).Count);
        Assert.Equal(0, await Queues.GetApproximateMessageCountAsync("doomed"));
        await AssertProblemAsync(await _operator.DeleteAsync($"/api/operator/poison-messages/doomed/{hostMoved}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WithoutAQueueEveryQueueFunctionIsListed()
    {
        var hostMoved = await HostMovedAsync($"secret {Phone}");

        var raw = await _operator.GetStringAsync("/api/operator/poison-messages");

        Assert.DoesNotContain(Phone, raw);
        var list = JsonSerializer.Deserialize<PoisonQueueList>(raw, TestJson.Options)!;
        Assert.Equal(_api.App.Get<FunctionCatalog>().QueueFunctions.Select(f => f.QueueName), list.Queues.Select(q => q.Queue));
        Assert.Equal([hostMoved], list.Queues.Single(q => q.Queue == "doomed").Items.Select(i => i.Id));
        Assert.All(list.Queues.Where(q => q.Queue != "doomed"), q => Assert.Equal(0, q.Count));
    }

    public static TheoryData<string, string> Endpoints => new()
    {
        { "GET", "/api/operator/poison-messages" },
        { "GET", "/api/operator/poison-messages/doomed/{id}" },
        { "POST", "/api/operator/poison-messages/doomed/{id}/replay" },
        { "DELETE", "/api/operator/poison-messages/doomed/{id}" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task OnlyTheOperatorMayUseTheApiAndARefusalChangesNothing(string method, string path)
    {
        var id = await HostMovedAsync("private");
        var url = path.Replace("{id}", id, StringComparison.Ordinal);
        var tenantAdmin = _api.Client(await _api.NewTenantKeyAsync("poison-" + method.ToLowerInvariant()));

        await AssertProblemAsync(await _api.Client(null).SendAsync(new HttpRequestMessage(new HttpMethod(method), url)), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await _api.Client("wab_nobody.nokey.nosecret").SendAsync(new HttpRequestMessage(new HttpMethod(method), url)), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await tenantAdmin.SendAsync(new HttpRequestMessage(new HttpMethod(method), url)), HttpStatusCode.Forbidden);

        await AssertUntouchedAsync(id);
    }

    [Theory]
    [InlineData("GET", "/api/operator/poison-messages?queue=nope", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/api/operator/poison-messages?queue=doomed-poison", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/api/operator/poison-messages?queue=", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/api/operator/poison-messages/nope/{id}", HttpStatusCode.NotFound)]
    [InlineData("POST", "/api/operator/poison-messages/doomed-poison/{id}/replay", HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/api/operator/poison-messages/Doomed/{id}", HttpStatusCode.NotFound)]
    public async Task AQueueThatIsNoQueueFunctionsIsAProblemAndChangesNothing(string method, string path, HttpStatusCode status)
    {
        var id = await HostMovedAsync("private");

        var response = await _operator.SendAsync(new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", id, StringComparison.Ordinal)));

        await AssertProblemAsync(response, status);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("doomed", body, StringComparison.Ordinal); // the detail names the queues there are
        Assert.DoesNotContain("private", body, StringComparison.Ordinal);
        await AssertUntouchedAsync(id);
    }

    [Theory]
    [InlineData("GET", "/api/operator/poison-messages/doomed/{id}")]
    [InlineData("POST", "/api/operator/poison-messages/doomed/{id}/replay")]
    [InlineData("DELETE", "/api/operator/poison-messages/doomed/{id}")]
    public async Task AnUnknownMessageIsNotFoundAndChangesNothing(string method, string path)
    {
        var id = await HostMovedAsync("private");

        foreach (var unknown in new[] { Guid.NewGuid().ToString(), "not-a-message-id", new string('x', 300) })
        {
            var response = await _operator.SendAsync(new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", unknown, StringComparison.Ordinal)));
            await AssertProblemAsync(response, HttpStatusCode.NotFound);
        }

        await AssertUntouchedAsync(id);
    }

    /// <summary>Fails while <see cref="FlakySwitch.Failing"/>, then handles messages (logged in <see cref="TestFunctionLog"/>).</summary>
    public sealed class FlakyHandler(FlakySwitch flaky, TestFunctionLog log) : IQueueFunctionHandler
    {
        public Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
        {
            if (flaky.Failing)
            {
                throw new InvalidOperationException("Flaky failed on purpose.");
            }
            log.Invocations.Enqueue(invocation);
            return Task.CompletedTask;
        }
    }

    public sealed class FlakySwitch
    {
        private volatile bool _failing = true;

        public bool Failing
        {
            get => _failing;
            set => _failing = value;
        }
    }
}
