using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Functions.Tenants;

namespace Functions.Orders.Tracking;

/// <summary>
/// The tracking page's HTML: one small self-contained document, no scripts, no images, one
/// inline style sheet allowed by its hash in the Content-Security-Policy. Every value from an
/// order system or a tenant is HTML-encoded; times are shown in the tenant's time zone and the
/// customer's language (else the tenant's).
/// </summary>
public static class TrackingPage
{
    // Mobile first: one column, long words (tracking numbers, item names) wrap instead of widening the page.
    private const string Css =
        "*{box-sizing:border-box}" +
        "body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;background:#f4f5f7;overflow-wrap:anywhere}" +
        "main{max-width:36rem;margin:0 auto;padding:1rem}" +
        "section{background:#fff;border-radius:12px;padding:1rem;margin:0 0 .75rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}" +
        "h1{font-size:1.3rem;margin:.25rem 0}h2{font-size:1rem;margin:0 0 .5rem;color:#57606a}" +
        "p{margin:.25rem 0}.shop{color:#57606a;margin:0}" +
        ".status{display:inline-block;background:#dafbe1;color:#116329;border-radius:999px;padding:.15rem .7rem;font-weight:600}" +
        ".status.bad{background:#ffebe9;color:#a40e26}" +
        "dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;margin:0}dt{color:#57606a}dd{margin:0;font-weight:600}" +
        "ol,ul{list-style:none;margin:0;padding:0}li{padding:.4rem 0;border-top:1px solid #eaeef2}li:first-child{border-top:0}" +
        ".item{display:flex;justify-content:space-between;gap:.75rem}.item>span:first-child{min-width:0}.price{white-space:nowrap;flex-shrink:0}.qty,time,.note{color:#57606a;font-size:.9rem}" +
        ".total{display:flex;justify-content:space-between;font-weight:700;border-top:2px solid #d0d7de;margin-top:.4rem;padding-top:.5rem}" +
        "footer{color:#57606a;font-size:.8rem;text-align:center;padding:.5rem}";

    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>The page's Content-Security-Policy: nothing may load or run but its own style sheet.</summary>
    public static string ContentSecurityPolicy { get; } =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Css)))}'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly HashSet<OrderStatus> Unhappy =
    [
        OrderStatus.OutstandingPayment, OrderStatus.ReceiptRejected, OrderStatus.PaymentRejected,
        OrderStatus.ReturnRejected, OrderStatus.Cancelled,
    ];

    private static readonly HashSet<OrderStatus> WithReason =
    [
        OrderStatus.ReceiptRejected, OrderStatus.PaymentRejected, OrderStatus.ReturnRejected, OrderStatus.Cancelled,
    ];

    /// <summary>The order's page: number, current status, details for that status, items and total, history (newest first).</summary>
    public static string Render(Tenant tenant, Order order, IReadOnlyList<OrderEvent> history)
    {
        var zone = Zone(tenant);
        var culture = Culture(order.Language ?? tenant.DefaultLanguage);
        var html = new StringBuilder(4096);
        Open(html, culture, $"Order #{order.Id} · {tenant.Name}");

        html.Append("<section><p class=\"shop\">").Append(E(tenant.Name)).Append("</p>");
        html.Append("<h1>Order #").Append(E(order.Id)).Append("</h1>");
        html.Append("<p><span class=\"status").Append(Unhappy.Contains(order.Status) ? " bad" : "").Append("\">")
            .Append(E(OrderStatuses.Title(order.Status))).Append("</span></p>");
        html.Append("<p class=\"note\">Updated ").Append(Time(order.StatusAt, zone, culture)).Append("</p>");
        var details = new List<(string Term, string Value)>();
        if (order.Carrier is { Length: > 0 } carrier) details.Add(("Carrier", carrier));
        if (order.TrackingNumber is { Length: > 0 } number) details.Add(("Tracking No.", number));
        if (order.Status == OrderStatus.OutstandingPayment && order.AmountDue is { } due) details.Add(("Amount due", Money.Format(order.Currency, due)));
        if (order.RefundAmount is { } refund && order.Status is OrderStatus.Refunding or OrderStatus.Refunded) details.Add(("Refund", Money.Format(order.Currency, refund)));
        if (WithReason.Contains(order.Status) && order.Reason is { Length: > 0 } reason) details.Add(("Reason", reason));
        if (details.Count > 0)
        {
            html.Append("<dl>");
            foreach (var (term, value) in details)
            {
                html.Append("<dt>").Append(E(term)).Append("</dt><dd>").Append(E(value)).Append("</dd>");
            }
            html.Append("</dl>");
        }
        html.Append("</section>");

        if (order.Items.Count > 0 || order.Total is not null)
        {
            html.Append("<section><h2>Items</h2><ul>");
            foreach (var item in order.Items)
            {
                html.Append("<li class=\"item\"><span>").Append(E(item.Name))
                    .Append("<br><span class=\"qty\">Qty: ").Append(item.Quantity.ToString(CultureInfo.InvariantCulture)).Append("</span></span>")
                    .Append("<span class=\"price\">").Append(E(Money.Format(order.Currency, item.UnitPrice))).Append("</span></li>");
            }
            html.Append("</ul>");
            if (order.Total is { } total)
            {
                html.Append("<p class=\"total\"><span>Total</span><span>").Append(E(Money.Format(order.Currency, total))).Append("</span></p>");
            }
            html.Append("</section>");
        }

        // What happened, in the order it happened at the order system (a late-arriving older event in its place).
        var steps = history.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Sequence).ToList();
        if (steps.Count > 0)
        {
            html.Append("<section><h2>History</h2><ol>");
            foreach (var step in steps)
            {
                html.Append("<li><strong>").Append(E(OrderStatuses.Title(step.Status))).Append("</strong><br>")
                    .Append("<time datetime=\"").Append(step.OccurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append("\">")
                    .Append(Time(step.OccurredAt, zone, culture)).Append("</time></li>");
            }
            html.Append("</ol></section>");
        }
        html.Append("<footer>Times in ").Append(E(zone.Id)).Append(" time.</footer>");
        return Close(html);
    }

    /// <summary>A page that says why no order is shown (and shows none).</summary>
    public static string RenderProblem(string title, string detail, string? shopName = null)
    {
        var html = new StringBuilder(2048);
        Open(html, CultureInfo.InvariantCulture, title);
        html.Append("<section>");
        if (shopName is not null) html.Append("<p class=\"shop\">").Append(E(shopName)).Append("</p>");
        html.Append("<h1>").Append(E(title)).Append("</h1><p>").Append(E(detail)).Append("</p></section>");
        return Close(html);
    }

    private static void Open(StringBuilder html, CultureInfo culture, string title)
    {
        var lang = culture.Name.Length > 0 ? culture.Name : "en";
        html.Append("<!doctype html><html lang=\"").Append(E(lang)).Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<meta name=\"robots\" content=\"noindex,nofollow\">")
            .Append("<title>").Append(E(title)).Append("</title><style>").Append(Css).Append("</style></head><body><main>");
    }

    private static string Close(StringBuilder html) => html.Append("</main></body></html>").ToString();

    private static string E(string value) => Html.Encode(value);

    private static TimeZoneInfo Zone(Tenant tenant) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(tenant.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    private static CultureInfo Culture(string? language)
    {
        try
        {
            return language is { Length: > 0 } ? CultureInfo.GetCultureInfo(language.Replace('_', '-'), predefinedOnly: true) : CultureInfo.GetCultureInfo("en");
        }
        catch (CultureNotFoundException)
        {
            return CultureInfo.GetCultureInfo("en");
        }
    }

    /// <summary>"November 22, 2026 2:05 PM" (en), "2026年11月22日 14:05" (zh-HK): the culture's long date without the weekday, and its short time.</summary>
    private static string Time(DateTimeOffset at, TimeZoneInfo zone, CultureInfo culture)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var date = culture.DateTimeFormat.LongDatePattern.Replace("dddd", "", StringComparison.Ordinal).Trim(' ', ',', '،');
        return E(local.ToString(date + " " + culture.DateTimeFormat.ShortTimePattern, culture));
    }
}
