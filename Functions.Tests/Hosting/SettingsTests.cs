using Functions.Tests.TestSupport;
using Microsoft.Extensions.Options;

namespace Functions.Tests.Hosting;

/// <summary>Bad settings stop the app at start-up with a message naming the setting.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("Queues:MaxDequeueCount", "0", "Queues:MaxDequeueCount")]
    [InlineData("Queues:BatchSize", "64", "Queues:BatchSize")]
    [InlineData("Queues:VisibilityTimeout", "8.00:00:00", "Queues:VisibilityTimeout")]
    [InlineData("Queues:MaxPollingInterval", "00:00:00.010", "Queues:MaxPollingInterval")]
    [InlineData("Queues:LeaseDuration", "00:00:01", "Queues:LeaseDuration")]
    public void AnOutOfRangeSettingStopsStartUpAndIsNamed(string key, string value, string named)
    {
        using var app = new FunctionsAppFactory(new Dictionary<string, string?> { [key] = value });
        var ex = Assert.Throws<OptionsValidationException>(() => app.CreateClient());
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public void ASettingOfTheWrongTypeStopsStartUp()
    {
        using var app = new FunctionsAppFactory(new Dictionary<string, string?> { ["Queues:BatchSize"] = "many" });
        var ex = Assert.ThrowsAny<InvalidOperationException>(() => app.CreateClient());
        Assert.Contains("BatchSize", ex.ToString());
    }

    [Fact]
    public void AMalformedCustomHandlerPortIsNamed()
    {
        using var app = new FunctionsAppFactory(new Dictionary<string, string?> { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = "eighty" });
        var ex = Assert.Throws<InvalidOperationException>(() => app.CreateClient());
        Assert.Contains("FUNCTIONS_CUSTOMHANDLER_PORT", ex.Message);
    }

    [Theory]
    [InlineData("AccountName=acct", "AzureWebJobsStorage")]
    [InlineData("not a connection string", "AzureWebJobsStorage")]
    public void AMalformedStorageConnectionStringIsNamedWithoutEchoingIt(string value, string named)
    {
        using var app = new FunctionsAppFactory(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = value });
        var ex = Assert.Throws<InvalidOperationException>(() => app.CreateClient());
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public void AnAccountKeyNeverAppearsInAStartUpError()
    {
        const string key = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=";
        using var app = new FunctionsAppFactory(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = $"AccountKey={key};DefaultEndpointsProtocol=https" });
        var ex = Assert.Throws<InvalidOperationException>(() => app.CreateClient());
        Assert.Contains("AzureWebJobsStorage", ex.Message);
        Assert.DoesNotContain(key, ex.ToString());
    }

    [Fact]
    public void IdentityBasedStorageNeedsBothServiceUris()
    {
        using var app = new FunctionsAppFactory(new Dictionary<string, string?> { ["AzureWebJobsStorage:tableServiceUri"] = "https://acct.table.core.windows.net" });
        var ex = Assert.Throws<InvalidOperationException>(() => app.CreateClient());
        Assert.Contains("AzureWebJobsStorage__queueServiceUri", ex.Message);
    }

    [Fact]
    public async Task WithNoSettingsTheAppRunsInMemoryStandaloneWithHealth()
    {
        await using var app = new FunctionsAppFactory();
        var client = app.CreateClient();
        var health = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<Functions.Hosting.HealthReport>(client, "/api/health");
        Assert.Equal("ok", health!.Status);
        Assert.Equal("standalone", health.Mode);
        Assert.Equal("in-memory", health.Storage);
        Assert.Matches(@"^\d+\.\d+\.\d+", health.Version);
    }
}
