using Functions.Hosting;
using Functions.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Functions.Tests.Hosting;

/// <summary>Bad settings stop the app at start-up with a message naming the setting.</summary>
public sealed class SettingsTests
{
    /// <summary>Builds and starts the app as Program does, on a test server, and returns why it failed to start.</summary>
    private static async Task<Exception> StartFailureAsync(string key, string? value)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        Exception? failure;
        try
        {
            builder.AddFunctionsApp();
            await using var app = builder.Build();
            app.MapFunctionsApp();
            failure = await Record.ExceptionAsync(() => app.StartAsync());
            if (failure is null) await app.StopAsync();
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        return failure ?? throw new Xunit.Sdk.XunitException($"The app started with {key}={value}.");
    }

    [Theory]
    [InlineData("Queues:MaxDequeueCount", "0", "Queues:MaxDequeueCount")]
    [InlineData("Queues:BatchSize", "64", "Queues:BatchSize")]
    [InlineData("Queues:VisibilityTimeout", "8.00:00:00", "Queues:VisibilityTimeout")]
    [InlineData("Queues:MaxPollingInterval", "00:00:00.010", "Queues:MaxPollingInterval")]
    [InlineData("Queues:LeaseDuration", "00:00:01", "Queues:LeaseDuration")]
    [InlineData("CareWindow:ReminderBefore", "1.01:00:00", "CareWindow:ReminderBefore")]
    [InlineData("Webhooks:RetentionDays", "0", "Webhooks:RetentionDays")]
    [InlineData("Sandbox:DeliveredAfter", "-00:00:01", "Sandbox:DeliveredAfter")]
    [InlineData("Sandbox:ReadAfter", "2.00:00:00", "Sandbox:ReadAfter")]
    [InlineData("Outbound:MaxAttempts", "0", "Outbound:MaxAttempts")]
    [InlineData("Outbound:RetryBaseDelay", "-00:00:01", "Outbound:RetryBaseDelay")]
    [InlineData("Outbound:RetryMaxDelay", "2.00:00:00", "Outbound:RetryMaxDelay")]
    [InlineData("Outbound:RecipientInterval", "02:00:00", "Outbound:RecipientInterval")]
    [InlineData("Outbound:RecipientBurst", "0", "Outbound:RecipientBurst")]
    [InlineData("Providers:Meta:BaseUrl", "ftp://graph.example.com", "Providers:Meta:BaseUrl")]
    [InlineData("Providers:Twilio:Timeout", "-00:00:01", "Providers:Twilio:Timeout")]
    public async Task AnOutOfRangeSettingStopsStartUpAndIsNamed(string key, string value, string named)
    {
        var ex = Assert.IsType<OptionsValidationException>(await StartFailureAsync(key, value));
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public async Task ASettingOfTheWrongTypeStopsStartUp()
    {
        var ex = await StartFailureAsync("Queues:BatchSize", "many");
        Assert.IsAssignableFrom<InvalidOperationException>(ex);
        Assert.Contains("BatchSize", ex.ToString());
    }

    [Fact]
    public async Task AMalformedCustomHandlerPortIsNamed()
    {
        var ex = Assert.IsType<InvalidOperationException>(await StartFailureAsync("FUNCTIONS_CUSTOMHANDLER_PORT", "eighty"));
        Assert.Contains("FUNCTIONS_CUSTOMHANDLER_PORT", ex.Message);
    }

    [Theory]
    [InlineData("AccountName=acct", "AzureWebJobsStorage")]
    [InlineData("not a connection string", "AzureWebJobsStorage")]
    public async Task AMalformedStorageConnectionStringIsNamed(string value, string named)
    {
        var ex = Assert.IsType<InvalidOperationException>(await StartFailureAsync("AzureWebJobsStorage", value));
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public async Task AnAccountKeyNeverAppearsInAStartUpError()
    {
        const string key = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=";
        var ex = Assert.IsType<InvalidOperationException>(await StartFailureAsync("AzureWebJobsStorage", $"AccountKey={key};DefaultEndpointsProtocol=https"));
        Assert.Contains("AzureWebJobsStorage", ex.Message);
        Assert.DoesNotContain(key, ex.ToString());
    }

    [Fact]
    public async Task IdentityBasedStorageNeedsBothServiceUris()
    {
        var ex = Assert.IsType<InvalidOperationException>(await StartFailureAsync("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.windows.net"));
        Assert.Contains("AzureWebJobsStorage__queueServiceUri", ex.Message);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:accountName", "Not_An_Account", "AzureWebJobsStorage__accountName")]
    [InlineData("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001", "AzureWebJobsStorage__tableServiceUri")]
    public async Task IdentityBasedSettingsAloneNeverFallBackToInMemoryStorage(string key, string value, string named)
    {
        var ex = Assert.IsType<InvalidOperationException>(await StartFailureAsync(key, value));
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public async Task AnAccountNameGivesThePublicCloudEndpoints()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage:accountName"] = "contosowa" });
        builder.AddFunctionsApp();
        await using var app = builder.Build();
        Assert.Equal("azure", app.Services.GetRequiredService<Functions.Storage.ITableStore>().Kind);
        Assert.False(Functions.Storage.StorageExtensions.IsInMemory(builder.Configuration));
    }

    [Fact]
    public void EmptyIdentitySettingsMeanInMemoryAsInTheSampleFile()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "", ["AzureWebJobsStorage:tableServiceUri"] = "", ["AzureWebJobsStorage:queueServiceUri"] = " ",
        }).Build();
        Assert.True(Functions.Storage.StorageExtensions.IsInMemory(configuration));
    }

    [Fact]
    public async Task WithNoSettingsTheAppRunsInMemoryStandaloneWithHealth()
    {
        await using var app = new FunctionsAppFactory();
        var client = app.CreateClient();
        var health = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<Functions.Hosting.HealthReport>(client, "/api/health", TestJson.Options);
        Assert.Equal("ok", health!.Status);
        Assert.Equal("standalone", health.Mode);
        Assert.Equal("in-memory", health.Storage);
        Assert.Matches(@"^\d+\.\d+\.\d+", health.Version);
    }

    [Fact]
    public async Task TheRealProcessExitsWithTheBadSettingNamed()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Functions.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Queues__MaxDequeueCount"] = "0";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{AppProcess.FreePort()}";
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("Queues:MaxDequeueCount must be between 1 and 100.", await output + await error);
    }
}
