using System.Net;
using System.Text;
using Functions.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Functions.Tests.Hosting;

public sealed class RequestBodyLimitTests : IAsyncLifetime
{
    private readonly FunctionsAppFactory _app = new(addFunctions: (catalog, _) => catalog
        .AddHttp("BigUpload", "POST", "test/big", async (HttpRequest r) => { using var s = new StreamReader(r.Body); return (await s.ReadToEndAsync()).Length; },
            e => e.WithMetadata(new RequestSizeLimitAttribute(600_000)))
        .AddHttp("SmallUpload", "POST", "test/small", async (HttpRequest r) => { using var s = new StreamReader(r.Body); return (await s.ReadToEndAsync()).Length; }));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Body(int size) => new(new string('x', size), Encoding.UTF8, "text/plain");

    [Fact]
    public async Task AnEndpointsOwnLimitAppliesToItAloneAndToNothingAfterIt()
    {
        var client = _app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/test/big", Body(500_000))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/api/test/big", Body(700_000))).StatusCode);
        // The default still holds everywhere else, also right after a larger request.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/api/test/small", Body(300_000))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/test/small", Body(200_000))).StatusCode);
    }
}
