using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Functions.Storage.AzureStorage;

namespace Functions.Tests.TestSupport;

/// <summary>
/// One Azurite (from the repo's node_modules) on free loopback ports. In memory by default; with a
/// <see cref="Location"/> it persists to disk, so <see cref="StopAsync"/> then <see cref="StartAsync"/>
/// brings the same data back on the same ports.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    public const string NotInstalledMessage = "Azurite is not installed: run `npm ci` in the repo root (Node.js 20+ required)";

    private const int Sigterm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly StringBuilder _stderr = new();
    private Process? _process;

    private readonly string? _repoRoot;

    /// <param name="location">A folder for disk persistence, or null to keep everything in memory.</param>
    /// <param name="repoRoot">The folder holding package.json and node_modules; found from the test binaries when null.</param>
    public AzuriteProcess(string? location = null, string? repoRoot = null)
    {
        Location = location;
        _repoRoot = repoRoot;
    }

    public string? Location { get; }

    public int BlobPort { get; private set; }

    public int QueuePort { get; private set; }

    public int TablePort { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>CPU time Azurite has used so far (for the benchmark's server-side cost per request).</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            var process = _process;
            if (process is null || process.HasExited) return TimeSpan.Zero;
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={StorageAccount.DevelopmentAccountName};AccountKey={StorageAccount.DevelopmentAccountKey};"
        + $"TableEndpoint=http://127.0.0.1:{TablePort}/{StorageAccount.DevelopmentAccountName};"
        + $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{StorageAccount.DevelopmentAccountName}";

    public StorageAccount Account => StorageAccount.Parse(ConnectionString);

    /// <summary>Starts Azurite: on new free ports the first time, on the same ports after a stop.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Azurite is already running.");
        }
        var script = Path.Combine(_repoRoot ?? FindRepoRoot(), "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"{NotInstalledMessage}. Missing: {script}");
        }
        var reusePorts = TablePort != 0;
        for (var attempt = 1; ; attempt++)
        {
            if (!reusePorts)
            {
                (BlobPort, QueuePort, TablePort) = (FreePort(), FreePort(), FreePort());
            }
            try
            {
                await StartOnceAsync(script, cancellationToken);
                return;
            }
            catch (AzuriteExitedException) when (!reusePorts && attempt < 3 && Stderr().Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                // Another process took a port between our probe and Azurite's bind: pick new ones.
            }
        }
    }

    /// <summary>
    /// Stops Azurite: kills an in-memory one outright; asks one with disk persistence to exit (SIGTERM,
    /// so it flushes its database), killing it if it has not exited within 10 s.
    /// </summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }
        using (process)
        {
            if (!process.HasExited && Location is not null && !OperatingSystem.IsWindows() && SendSignal(process.Id, Sigterm) == 0)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    // Hung on shutdown: killed below.
                }
            }
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartOnceAsync(string script, CancellationToken cancellationToken)
    {
        lock (_stderr)
        {
            _stderr.Clear();
        }
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        info.ArgumentList.Add(script);
        foreach (var arg in new[] { "--disableTelemetry", "--skipApiVersionCheck", "--silent" })
        {
            info.ArgumentList.Add(arg);
        }
        if (Location is null)
        {
            info.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            info.ArgumentList.Add("--location");
            info.ArgumentList.Add(Location);
        }
        foreach (var (service, port) in new[] { ("blob", BlobPort), ("queue", QueuePort), ("table", TablePort) })
        {
            info.ArgumentList.Add($"--{service}Host");
            info.ArgumentList.Add("127.0.0.1");
            info.ArgumentList.Add($"--{service}Port");
            info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException(NotInstalledMessage);
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"{NotInstalledMessage}. Could not run 'node': {ex.Message}", ex);
        }
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                process.WaitForExit(); // drains the stderr reader
                _process = null;
                process.Dispose();
                throw new AzuriteExitedException($"Azurite exited during startup. stderr:\n{Stderr()}");
            }
            if (await AcceptsAsync(QueuePort) && await AcceptsAsync(TablePort))
            {
                return;
            }
            if (deadline.Elapsed > StartTimeout)
            {
                await StopAsync();
                throw new TimeoutException(
                    $"Azurite did not accept connections on ports {QueuePort} (queue) and {TablePort} (table) within {StartTimeout.TotalSeconds} s. stderr:\n{Stderr()}");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>The folder holding package.json, walking up from the test binaries.</summary>
    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"{NotInstalledMessage}. No package.json above {AppContext.BaseDirectory}.");
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    private sealed class AzuriteExitedException(string message) : Exception(message);
}
