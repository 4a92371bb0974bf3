using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Functions.Hosting;

/// <summary>
/// Turns a request the framework could not bind (<c>pageSize=ten</c>, <c>unread=maybe</c>, a body
/// that is not JSON) into a problem body that names the parameter, instead of a bare "Bad Request".
/// Handled here, it is not logged as an error: the mistake is the caller's, and the message
/// carries the value they sent, which may be personal data.
/// </summary>
public sealed partial class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }
        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = Describe(bad);
        problem.Status = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The problem for a bad request: a value that does not parse names its parameter.</summary>
    public static ProblemDetails Describe(BadHttpRequestException bad)
    {
        if (BindingFailed().Match(bad.Message) is { Success: true } failed)
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(failed.Groups["name"].Value); // a property of an [AsParameters] record
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [name] = [$"'{name}' is not a {Kind(failed.Groups["type"].Value)}."] })
            {
                Title = "The request is not valid.",
            };
        }
        if (NotProvided().Match(bad.Message) is { Success: true } missing)
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(missing.Groups["name"].Value);
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [name] = [$"'{name}' is required."] })
            {
                Title = "The request is not valid.",
            };
        }
        if (UnreadableBody().IsMatch(bad.Message))
        {
            return new ProblemDetails { Title = "The request body is not valid JSON for this endpoint." };
        }
        // Kestrel's own (body too large, bad headers) and the media-type check say it plainly already.
        return new ProblemDetails { Title = "The request is not valid.", Detail = bad.Message };
    }

    /// <summary>What the parameter's type asks for, in the API's words (the C# type means nothing to a caller).</summary>
    private static string Kind(string type) => (type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type.TrimEnd('?')) switch
    {
        "int" or "long" or "short" or "Int32" or "Int64" or "Int16" => "whole number",
        "bool" or "Boolean" => "boolean (true or false)",
        "double" or "decimal" or "float" or "Double" or "Decimal" or "Single" => "number",
        "DateTimeOffset" or "DateTime" => "date and time (ISO 8601)",
        "Guid" => "GUID",
        _ => "valid value",
    };

    // The framework's messages, for example: Failed to bind parameter "Nullable<int> pageSize" from "ten".
    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^" ]+) (?<name>[A-Za-z0-9_]+)" from""")]
    private static partial Regex BindingFailed();

    [GeneratedRegex("""^Required parameter "(?:[^" ]+ )?(?<name>[A-Za-z0-9_]+)" was not provided""")]
    private static partial Regex NotProvided();

    [GeneratedRegex("""^(Failed to read parameter .* as JSON|Implicit body inferred)""")]
    private static partial Regex UnreadableBody();
}
