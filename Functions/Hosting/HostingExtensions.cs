using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Functions.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Functions.Hosting;

public static class HostingExtensions
{
    /// <summary>Largest request body any endpoint accepts unless it says otherwise.</summary>
    public const long DefaultMaxRequestBodyBytes = 256 * 1024;

    /// <summary>
    /// The hosting plumbing every capability stands on: the function catalog, storage, the
    /// runners (standalone) or the invocation endpoints (custom handler), problem details and limits.
    /// </summary>
    public static IHostApplicationBuilder AddFunctionsHosting(this IHostApplicationBuilder builder)
    {
        var hosting = HostingEnvironment.From(builder.Configuration);
        builder.Services.AddSingleton(hosting);
        builder.Services.TryAddSingletonInstance(new FunctionCatalog()).AddHealthFunctions();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FunctionInvoker>();
        builder.Services.AddSingleton<PoisonMessages>();

        builder.Services.AddOptions<QueueRunnerOptions>().ValidateDataAnnotations();
        builder.Services.AddSettings<QueueRunnerOptions>(QueueRunnerOptions.Section, QueueRunnerOptions.Validate);

        builder.AddStorage();
        builder.GetStorageLayout().AddTables(PoisonMessages.Table, TimerRunner.TableName);

        if (hosting.Mode == HostingMode.Standalone)
        {
            builder.Services.AddHostedService<QueueRunner>();
            builder.Services.AddHostedService<TimerRunner>();
        }

        builder.Services.AddProblemDetails();
        // A query value or body the framework cannot bind throws, so BadRequestProblems can name the parameter.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestProblems>();
        // Enums are words in the API ("optedIn", "agent"), not numbers.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        builder.Services.Configure<KestrelServerOptions>(k =>
        {
            k.Limits.MaxRequestBodySize = DefaultMaxRequestBodyBytes;
            if (hosting.CustomHandlerPort is { } port)
            {
                // The host forwards to 127.0.0.1 on the port it chose; nothing else may reach us.
                k.Listen(IPAddress.Loopback, port);
            }
        });
        return builder;
    }

    /// <summary>The catalog capabilities add their functions to.</summary>
    public static FunctionCatalog GetFunctionCatalog(this IHostApplicationBuilder builder) =>
        builder.Services.TryAddSingletonInstance(new FunctionCatalog());

    public static WebApplication MapFunctionsHosting(this WebApplication app)
    {
        var catalog = app.Services.GetRequiredService<FunctionCatalog>();
        var hosting = app.Services.GetRequiredService<HostingEnvironment>();

        // Every failure becomes an RFC 9457 problem body; a bad request (malformed JSON, a body
        // over the limit) keeps its own 4xx status instead of turning into a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex switch
            {
                Microsoft.AspNetCore.Http.BadHttpRequestException bad => bad.StatusCode,
                // Storage down or overloaded: a clear "try again", not a bug report.
                Azure.RequestFailedException { Status: >= 500 } or HttpRequestException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        app.UseStatusCodePages();
        app.UseRequestBodyLimit(DefaultMaxRequestBodyBytes);
        // Explicitly after the handlers above, so a failure while checking a key (storage down)
        // also gets a problem body and never the developer page with the request's headers.
        app.UseAuthentication();
        app.UseAuthorization();

        // The host's readiness probe asks for "/"; any answer means ready.
        app.MapGet("/", (HostingEnvironment env) => TypedResults.Ok(new { service = "whatsapp-business-functions", mode = env.ModeName }))
            .ExcludeFromDescription();

        var api = app.MapGroup("/api");
        foreach (var function in catalog.HttpFunctions)
        {
            var endpoint = api.MapMethods(function.Route, function.Methods, function.Handler).WithName(function.Name);
            function.ConfigureEndpoint?.Invoke(endpoint);
        }

        if (hosting.Mode == HostingMode.CustomHandler)
        {
            app.MapCustomHandlerInvocations(catalog);
        }
        return app;
    }
}
