using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Functions.Hosting;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Hosting;

/// <summary>The Functions package is derived from the catalog, so it cannot drift from the code.</summary>
public sealed class FunctionsPackageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("functions-package-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FunctionCatalog TestCatalog() => new FunctionCatalog()
        .AddHttp("GetThing", "GET,POST", "things/{id}", () => "x")
        .AddQueue<CountGreetingHandler>("CountGreeting", "greetings")
        .AddTimer<RecordingTimerHandler>("RecordTick", "0 */5 * * * *", runOnStartup: true);

    [Fact]
    public void EveryCatalogEntryGetsAFunctionJsonMatchingItsTrigger()
    {
        FunctionsPackage.Write(_dir, TestCatalog(), new QueueRunnerOptions());

        var http = ReadBindings("GetThing");
        Assert.Equal(2, http.Count);
        Assert.Equal("httpTrigger", (string?)http[0]!["type"]);
        Assert.Equal("anonymous", (string?)http[0]!["authLevel"]);
        Assert.Equal("things/{id}", (string?)http[0]!["route"]);
        Assert.Equal(["get", "post"], http[0]!["methods"]!.AsArray().Select(m => (string?)m));
        Assert.Equal("http", (string?)http[1]!["type"]);
        Assert.Equal("out", (string?)http[1]!["direction"]);

        var queue = Assert.Single(ReadBindings("CountGreeting"))!;
        Assert.Equal("queueTrigger", (string?)queue["type"]);
        Assert.Equal("greetings", (string?)queue["queueName"]);
        Assert.Equal(CustomHandlerEndpoints.QueueBindingName, (string?)queue["name"]);
        Assert.Equal("AzureWebJobsStorage", (string?)queue["connection"]);

        var timer = Assert.Single(ReadBindings("RecordTick"))!;
        Assert.Equal("timerTrigger", (string?)timer["type"]);
        Assert.Equal("0 */5 * * * *", (string?)timer["schedule"]);
        Assert.True((bool?)timer["runOnStartup"]);
        Assert.Equal(CustomHandlerEndpoints.TimerBindingName, (string?)timer["name"]);
    }

    [Fact]
    public void HostJsonCarriesTheQueueSettingsAndTheBase64Encoding()
    {
        FunctionsPackage.Write(_dir, TestCatalog(), new QueueRunnerOptions { MaxDequeueCount = 7, BatchSize = 4, VisibilityTimeout = TimeSpan.FromSeconds(30) });
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "host.json")))!;
        Assert.Equal("2.0", (string?)host["version"]);
        Assert.Equal("Functions", (string?)host["customHandler"]!["description"]!["defaultExecutablePath"]);
        Assert.True((bool?)host["customHandler"]!["enableForwardingHttpRequest"]);
        Assert.Equal("api", (string?)host["extensions"]!["http"]!["routePrefix"]);
        var queues = host["extensions"]!["queues"]!;
        Assert.Equal(7, (int?)queues["maxDequeueCount"]);
        Assert.Equal(4, (int?)queues["batchSize"]);
        Assert.Equal("00:00:30", (string?)queues["visibilityTimeout"]);
        Assert.Equal("base64", (string?)queues["messageEncoding"]);
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", (string?)host["extensionBundle"]!["id"]);
    }

    [Fact]
    public void AFunctionRemovedFromTheCatalogLeavesThePackage()
    {
        FunctionsPackage.Write(_dir, TestCatalog(), new QueueRunnerOptions());
        FunctionsPackage.Write(_dir, new FunctionCatalog().AddHttp("GetThing", "GET", "things", () => "x"), new QueueRunnerOptions());
        Assert.Equal(["GetThing"], Directory.EnumerateDirectories(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void TheRepositoryHostJsonIsTheOneThePackageWrites()
    {
        var committed = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "host.json")));
        var generated = FunctionsPackage.CreateHostJson(new QueueRunnerOptions());
        Assert.True(JsonNode.DeepEquals(committed, generated),
            "host.json in the repository differs from what `dotnet run --project Functions -- package <dir>` writes; regenerate it.");
    }

    [Fact]
    public async Task PublishingForLinuxProducesACompletePackageWhoseExecutableRunsAsACustomHandler()
    {
        var publish = await RunAsync("dotnet", ["publish", Path.Combine(RepoRoot(), "Functions", "Functions.csproj"),
            "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", _dir, "--nologo", "-v", "q"]);
        Assert.True(publish.ExitCode == 0, publish.Output);

        var executable = Path.Combine(_dir, FunctionsPackage.ExecutableName);
        Assert.True(File.Exists(executable));
        Assert.True(!OperatingSystem.IsLinux() || File.GetUnixFileMode(executable).HasFlag(UnixFileMode.UserExecute), "the handler must be executable");
        Assert.True(File.Exists(Path.Combine(_dir, "host.json")));

        await using var app = new FunctionsAppFactory();
        var catalog = app.Get<FunctionCatalog>();
        var packaged = Directory.EnumerateDirectories(_dir).Where(d => File.Exists(Path.Combine(d, "function.json"))).Select(Path.GetFileName).Order();
        Assert.Equal(catalog.Functions.Select(f => f.Name).Order(), packaged);
        foreach (var function in catalog.Functions)
        {
            var written = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, function.Name, "function.json")));
            Assert.True(JsonNode.DeepEquals(FunctionsPackage.CreateFunctionJson(function), written), function.Name);
        }

        // Started as the host starts it: the self-contained executable, the port in the environment.
        await using var handler = await AppProcess.StartAsCustomHandlerAsync(executable, []);
        var health = await handler.Http.GetFromJsonAsync<HealthReport>("/api/health", TestJson.Options);
        Assert.Equal("custom-handler", health!.Mode);
    }

    private JsonArray ReadBindings(string function) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, function, "function.json")))!["bindings"]!.AsArray();

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Serverless.sln not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
