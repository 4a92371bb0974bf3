using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Orders.Tracking;

/// <summary>
/// <c>GET /api/orders/track?token=…</c>: the public tracking page a notification links to. No key:
/// the signed token is the permission, and it names the one order it shows. A missing, malformed,
/// tampered, foreign or expired token, or an order or tenant that is gone, gets a page saying so
/// with a 4xx status, and never any order.
/// </summary>
public static class TrackingEndpoints
{
    public static FunctionCatalog AddTrackingFunctions(this FunctionCatalog catalog) =>
        catalog
            .AddHttp("TrackOrder", "GET", "orders/track", TrackOrderAsync)
            .AddHttp("RotateTrackingSecret", "POST", "orders/tracking/rotate", RotateSecretAsync, TenantAccess.Admin);

    /// <summary>
    /// A new signing secret for the caller's tenant's tracking links. Links made before keep working
    /// until they expire, unless <c>retireOlder</c> is true (a secret may have leaked): then they stop now.
    /// </summary>
    public static async Task<Results<Ok<RotatedTrackingSecret>, ValidationProblem, ProblemHttpResult>> RotateSecretAsync(
        HttpRequest request, ClaimsPrincipal user, TrackingSecrets secrets, CancellationToken cancellationToken)
    {
        // Read by hand, so a wrong value gets a problem naming its field rather than a bare 400.
        var retireOlder = false;
        if (request.ContentLength is not 0 && (request.ContentLength is not null || request.Headers.TransferEncoding.Count > 0))
        {
            if (!request.HasJsonContentType())
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be JSON.",
                    detail: "Send {\"retireOlder\": true|false} as application/json, or no body.");
            }
            JsonDocument body;
            try
            {
                body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            }
            catch (JsonException)
            {
                return Invalid("body", "The body is not valid JSON.");
            }
            using (body)
            {
                if (body.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return Invalid("body", "The body is a JSON object: {\"retireOlder\": true|false}.");
                }
                foreach (var property in body.RootElement.EnumerateObject())
                {
                    if (!property.NameEquals("retireOlder")) continue;
                    if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                    {
                        return Invalid("retireOlder", "retireOlder is true or false.");
                    }
                    retireOlder = property.Value.ValueKind == JsonValueKind.True;
                }
            }
        }
        var version = await secrets.RotateAsync(user.TenantId(), retireOlder, cancellationToken);
        return TypedResults.Ok(new RotatedTrackingSecret(version, retireOlder));
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The rotation request is not valid.");

    public static async Task<ContentHttpResult> TrackOrderAsync(
        HttpContext context, [AsParameters] TrackingServices services, CancellationToken cancellationToken)
    {
        SecureHeaders(context.Response);
        var tokens = context.Request.Query["token"];
        var check = tokens.Count > 1
            ? new TrackingTokenCheck(TrackingTokenStatus.Malformed)
            : await services.Tracking.VerifyAsync(tokens.ToString(), cancellationToken);
        switch (check.Status)
        {
            case TrackingTokenStatus.Missing:
                return Page(StatusCodes.Status400BadRequest, TrackingPage.RenderProblem("This tracking link is incomplete",
                    "The link has no token. Open the whole link from your message, or ask the shop for a new one."));
            case TrackingTokenStatus.Malformed:
            case TrackingTokenStatus.Invalid:
                // The same words for both: a tampered token is told nothing a cut-off one is not.
                return Page(check.Status == TrackingTokenStatus.Malformed ? StatusCodes.Status400BadRequest : StatusCodes.Status403Forbidden,
                    TrackingPage.RenderProblem("This tracking link is not valid",
                        "The link may have been cut off or changed. Open the whole link from your message, or ask the shop for a new one."));
        }
        var claims = check.Claims!;
        var tenant = await services.Tenants.FindAsync(claims.TenantId, cancellationToken);
        if (check.Status == TrackingTokenStatus.Expired)
        {
            return Page(StatusCodes.Status410Gone, TrackingPage.RenderProblem("This tracking link has expired",
                "For your privacy, tracking links work for a limited time. Ask the shop for a new one.", tenant?.Name));
        }
        var order = tenant is null ? null : await services.Orders.GetAsync(tenant.Id, claims.OrderId, cancellationToken);
        if (tenant is null || order is null)
        {
            return Page(StatusCodes.Status404NotFound, TrackingPage.RenderProblem("This order is not available",
                "The shop no longer shows this order. Ask the shop if you need its details.", tenant?.Name));
        }
        var history = await services.Orders.HistoryAsync(tenant.Id, order.Id, cancellationToken);
        return Page(StatusCodes.Status200OK, TrackingPage.Render(tenant, order, history));
    }

    /// <summary>
    /// The page shows a customer's order and its URL carries the token: it must not be cached by
    /// anyone, sent on as a referrer, framed, sniffed as something else, or indexed.
    /// </summary>
    private static void SecureHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = TrackingPage.ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers["X-Robots-Tag"] = "noindex, nofollow";
    }

    private static ContentHttpResult Page(int status, string html) =>
        TypedResults.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
}

/// <summary>The version new links are signed with, and whether older links stopped working.</summary>
public sealed record RotatedTrackingSecret(int Version, bool RetiredOlder);

/// <summary>What the tracking page reads: the token's check, the tenant and the order.</summary>
public sealed record TrackingServices(OrderTracking Tracking, TenantDirectory Tenants, OrderStore Orders);
