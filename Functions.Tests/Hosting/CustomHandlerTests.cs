using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Hosting;
using Functions.Storage;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Functions.Tests.Hosting;

/// <summary>
/// The Functions host's side of the custom-handler protocol: triggers arrive as
/// <c>POST /{FunctionName}</c> and the same handlers run as in standalone mode.
/// </summary>
public sealed class CustomHandlerTests : IAsyncLifetime
{
    private static void AddTestFunctions(FunctionCatalog catalog, StorageLayout layout)
    {
        catalog.AddQueue<CountGreetingHandler>("CountGreeting", "greetings")
            .AddQueue<AlwaysFailingHandler>("AlwaysFails", "doomed")
            .AddTimer<RecordingTimerHandler>("RecordTick", "0 */5 * * * *", runOnStartup: true);
        layout.AddTables(CountGreetingHandler.Table); // the functions' queues and poison queues come from the catalog
    }

    private readonly FunctionsAppFactory _customHandler = new(
        new Dictionary<string, string?> { [HostingEnvironment.PortSetting] = "7999" }, AddTestFunctions);

    private readonly FunctionsAppFactory _standalone = new(
        new Dictionary<string, string?> { ["Queues:MaxPollingInterval"] = "00:00:00.200" }, AddTestFunctions);

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>The host serialises with PascalCase names, not ASP.NET Core's camelCase defaults.</summary>
    private static readonly JsonSerializerOptions HostJson = new();

    public async Task DisposeAsync()
    {
        await _customHandler.DisposeAsync();
        await _standalone.DisposeAsync();
    }

    [Fact]
    public async Task TheSameQueueFunctionHasTheSameEffectInBothModes()
    {
        // Standalone: the app's own runner picks the message up from the queue.
        _ = _standalone.CreateClient();
        var sent = await _standalone.Get<IQueueStore>().SendAsync("greetings", "Grace");
        var tables = _standalone.Get<ITableStore>();
        await Eventually.TrueAsync(async () => await tables.GetEntityIfExistsAsync(CountGreetingHandler.Table, "greeting", sent.MessageId) is not null, "the runner handled it");
        var viaRunner = await tables.GetEntityIfExistsAsync(CountGreetingHandler.Table, "greeting", sent.MessageId);

        // Custom handler: the Functions host POSTs the same message to /CountGreeting.
        var client = _customHandler.CreateClient();
        var response = await client.PostAsHostAsync("/CountGreeting", HostJson, new
        {
            Data = new { message = "Grace" },
            Metadata = new { DequeueCount = 1, Id = sent.MessageId, InsertionTime = "2026-11-22T04:00:00+00:00", PopReceipt = "r", sys = new { MethodName = "CountGreeting" } },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("Outputs").ValueKind);
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("Logs").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("ReturnValue").ValueKind);

        var viaHost = await _customHandler.Get<ITableStore>().GetEntityIfExistsAsync(CountGreetingHandler.Table, "greeting", sent.MessageId);
        Assert.NotNull(viaRunner);
        Assert.NotNull(viaHost);
        Assert.Equal(viaRunner.GetString("Name"), viaHost.GetString("Name"));
        Assert.Equal(viaRunner.GetInt64("DequeueCount"), viaHost.GetInt64("DequeueCount"));
        var invocation = Assert.Single(_customHandler.Get<TestFunctionLog>().Invocations);
        Assert.Equal(new QueueInvocation("CountGreeting", "greetings", "Grace", sent.MessageId, 1,
            new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero)), invocation);
    }

    [Fact]
    public async Task AJsonMessageArrivesAsItsText()
    {
        var client = _customHandler.CreateClient();
        var response = await client.PostAsync("/CountGreeting", new StringContent(
            """{"Data":{"message":{"name":"Lin","n":2}},"Metadata":{"DequeueCount":"3","Id":"m-1"}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var invocation = Assert.Single(_customHandler.Get<TestFunctionLog>().Invocations);
        Assert.Equal("""{"name":"Lin","n":2}""", invocation.MessageText);
        Assert.Equal(3, invocation.DequeueCount);
    }

    [Fact]
    public async Task AFailingHandlerAnswers500SoTheHostRetries()
    {
        var client = _customHandler.CreateClient();
        var response = await client.PostAsHostAsync("/AlwaysFails", HostJson, new { Data = new { message = "x" }, Metadata = new { DequeueCount = 2, Id = "m" } });
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("Attempt 2 failed on purpose", body.RootElement.GetProperty("Logs")[0].GetString());
    }

    [Fact]
    public async Task AnInvocationWithoutItsTriggerDataIsRefused()
    {
        var client = _customHandler.CreateClient();
        var response = await client.PostAsHostAsync("/CountGreeting", HostJson, new { Data = new { other = "x" }, Metadata = new { } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_customHandler.Get<TestFunctionLog>().Invocations);
        var malformed = await client.PostAsync("/CountGreeting", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task TimerInvocationsRunTheTimerHandler()
    {
        var client = _customHandler.CreateClient();
        var response = await client.PostAsHostAsync("/RecordTick", HostJson, new
        {
            Data = new { timer = new { Schedule = new { AdjustForDST = true }, ScheduleStatus = (object?)null, IsPastDue = true } },
            Metadata = new { sys = new { MethodName = "RecordTick" } },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var run = Assert.Single(_customHandler.Get<TestFunctionLog>().TimerRuns);
        Assert.Equal("RecordTick", run.FunctionName);
        Assert.True(run.IsPastDue);
    }

    [Fact]
    public async Task TheSameTimerFunctionRunsUnderTheStandaloneTimerRunner()
    {
        _ = _standalone.CreateClient();
        var log = _standalone.Get<TestFunctionLog>();
        await Eventually.TrueAsync(() => Task.FromResult(!log.TimerRuns.IsEmpty), "the run-on-start-up occurrence ran");
        var run = Assert.Single(log.TimerRuns);
        Assert.Equal("RecordTick", run.FunctionName);
        Assert.False(run.IsPastDue);
    }

    [Fact]
    public async Task InCustomHandlerModeTheHostOwnsTheQueuesAndNoRunnerPolls()
    {
        var client = _customHandler.CreateClient();
        Assert.DoesNotContain(_customHandler.Services.GetServices<IHostedService>(), s => s is QueueRunner or TimerRunner);
        await _customHandler.Get<IQueueStore>().SendAsync("greetings", "left for the host");
        var health = await client.GetFromJsonAsync<HealthReport>("/api/health", TestJson.Options);
        Assert.Equal("custom-handler", health!.Mode);
        Assert.Equal(1, health.Queues.Single(q => q.Name == "greetings").Messages);
    }

    [Fact]
    public async Task InvocationRoutesExistOnlyInCustomHandlerMode()
    {
        var standalone = _standalone.CreateClient();
        var response = await standalone.PostAsHostAsync("/CountGreeting", HostJson, new { Data = new { message = "x" } });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheBuiltAppListensOnTheHostsPortAndAnswersTheReadinessProbe()
    {
        await using var app = await AppProcess.StartAsCustomHandlerAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Functions.dll")]);
        Assert.Equal(HttpStatusCode.OK, (await app.Http.GetAsync("/")).StatusCode);
        var health = await app.Http.GetFromJsonAsync<HealthReport>("/api/health", TestJson.Options);
        Assert.Equal("custom-handler", health!.Mode);
        Assert.Equal("in-memory", health.Storage);
    }
}

internal static class HostInvocationExtensions
{
    public static Task<HttpResponseMessage> PostAsHostAsync(this HttpClient client, string path, JsonSerializerOptions options, object payload) =>
        client.PostAsync(path, JsonContent.Create(payload, options: options));
}
