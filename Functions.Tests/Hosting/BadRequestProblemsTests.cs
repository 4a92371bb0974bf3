using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Functions.Hosting;
using Functions.Tests.Tenants;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Functions.Tests.Hosting;

/// <summary>
/// A query value the framework cannot bind (a page size that is not a number) is a problem body
/// naming the parameter, on every list endpoint, and the value is not logged as an error.
/// </summary>
public sealed class BadRequestProblemsTests : IAsyncLifetime
{
    private readonly WarningLog _log = new();
    private readonly TenantApiFixture _api;
    private HttpClient _admin = null!;

    public BadRequestProblemsTests() => _api = new TenantApiFixture(
        new Dictionary<string, string?> { [HostingEnvironment.PortSetting] = "7994" },
        configureServices: services => services.AddSingleton<ILoggerProvider>(_log));

    public async Task InitializeAsync() => _admin = _api.Client(await _api.NewTenantKeyAsync("brp" + Guid.NewGuid().ToString("N")[..8]));

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("/api/contacts?pageSize=ten")]
    [InlineData("/api/conversations?pageSize=ten")]
    [InlineData("/api/conversations/cv0000000000000000001/messages?pageSize=ten")]
    [InlineData("/api/conversations/cv0000000000000000001/notes?pageSize=ten")]
    [InlineData("/api/conversations/cv0000000000000000001/scheduled-replies?pageSize=ten")]
    [InlineData("/api/canned-responses?pageSize=ten")]
    [InlineData("/api/sandbox/messages?pageSize=ten")]
    [InlineData("/api/webhooks/events?pageSize=ten")]
    [InlineData("/api/events/subscriptions/es0/deliveries?pageSize=ten")]
    public async Task APageSizeThatIsNotANumberIsAProblemNamingIt(string url)
    {
        var response = await _admin.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(body);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal("'pageSize' is not a whole number.", errors.GetProperty("pageSize")[0].GetString());
        Assert.DoesNotContain("Nullable", body, StringComparison.Ordinal);
        Assert.DoesNotContain(_log.Lines, line => line.Contains("ten", StringComparison.Ordinal));
    }

    [Fact]
    public void EachKindOfBadRequestHasAClearProblem()
    {
        var missing = BadRequestProblems.Describe(new BadHttpRequestException("Required parameter \"string Phone\" was not provided from query string."));
        Assert.Equal(["'phone' is required."], ((HttpValidationProblemDetails)missing).Errors["phone"]);

        var number = BadRequestProblems.Describe(new BadHttpRequestException("Failed to bind parameter \"Nullable<long> Limit\" from \"x\"."));
        Assert.Equal(["'limit' is not a whole number."], ((HttpValidationProblemDetails)number).Errors["limit"]);

        var flag = BadRequestProblems.Describe(new BadHttpRequestException("Failed to bind parameter \"bool? Unread\" from \"maybe\"."));
        Assert.Equal(["'unread' is not a boolean (true or false)."], ((HttpValidationProblemDetails)flag).Errors["unread"]);

        var body = BadRequestProblems.Describe(new BadHttpRequestException("Failed to read parameter \"NewContact body\" from the request body as JSON."));
        Assert.Equal("The request body is not valid JSON for this endpoint.", body.Title);
        Assert.DoesNotContain("NewContact", body.Detail ?? "", StringComparison.Ordinal);

        var tooLarge = BadRequestProblems.Describe(new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge));
        Assert.Equal("Request body too large.", tooLarge.Detail);
    }

    /// <summary>Every warning and error the app logs, with exceptions.</summary>
    private sealed class WarningLog : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) _lines.Enqueue(formatter(state, exception) + " " + exception);
        }

        public void Dispose()
        {
        }
    }
}
