using Microsoft.Playwright;

namespace Functions.Tests.Orders.Tracking;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>), headless, driven by Playwright; no browser is
/// ever downloaded. The test build installs the package when it is missing and the build runs
/// as root (see <c>InstallChromium</c> in Functions.Tests.csproj). If it cannot start, every
/// test using it fails, saying how to install it: a browser test that skips proves nothing.
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private const string HowToInstall =
        "The tracking page's browser test needs Debian's Chromium at " + ExecutablePath + ". " +
        "Install it with `apt-get update && apt-get install -y --no-install-recommends chromium` " +
        "(`dotnet test` does this itself when run as root).";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots are kept: <c>Functions.Tests/bin/&lt;configuration&gt;/net10.0/artifacts/</c>.</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"Chromium is not installed. {HowToInstall}");
        }
        _playwright = await Playwright.CreateAsync();
        try
        {
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Args,
                Timeout = 20_000,
            });
        }
        catch (PlaywrightException ex)
        {
            throw new InvalidOperationException($"Chromium did not start. {HowToInstall} Playwright said: {ex.Message}", ex);
        }
        Directory.CreateDirectory(ArtifactsDirectory);
    }

    /// <summary>A phone-sized page (390×844, as an iPhone 12–15), touch, at twice the density.</summary>
    public Task<IPage> NewPhonePageAsync() => Browser.NewPageAsync(new BrowserNewPageOptions
    {
        ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        DeviceScaleFactor = 2,
        IsMobile = true,
        HasTouch = true,
        Locale = "en-US",
    });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
    }
}
