namespace Functions.Hosting;

public enum HostingMode
{
    /// <summary><c>dotnet run</c>: the app serves HTTP and drives its own queue and timer functions.</summary>
    Standalone,

    /// <summary>Started by the Functions host (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c> set): the host owns triggers, retries and poison queues.</summary>
    CustomHandler,
}

/// <summary>How this process was started, decided once at start-up.</summary>
public sealed record HostingEnvironment(HostingMode Mode, int? CustomHandlerPort)
{
    public const string PortSetting = "FUNCTIONS_CUSTOMHANDLER_PORT";

    public static HostingEnvironment From(IConfiguration configuration)
    {
        var port = configuration[PortSetting];
        if (string.IsNullOrWhiteSpace(port))
        {
            return new HostingEnvironment(HostingMode.Standalone, null);
        }
        return int.TryParse(port, out var p) && p is > 0 and <= 65535
            ? new HostingEnvironment(HostingMode.CustomHandler, p)
            : throw new InvalidOperationException($"Setting {PortSetting} must be a TCP port number (1-65535); it is '{port}'.");
    }

    public string ModeName => Mode == HostingMode.CustomHandler ? "custom-handler" : "standalone";
}
