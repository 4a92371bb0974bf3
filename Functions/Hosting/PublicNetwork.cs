using System.Net;
using System.Net.Sockets;

namespace Functions.Hosting;

/// <summary>
/// Outgoing requests to URLs a tenant gives (template example files, event webhooks) must not
/// reach the app's own network: the connection is opened only to the public addresses the name
/// resolves to, at connect time, so a name that resolves differently later (DNS rebinding) or a
/// redirect to a private address gets nowhere.
/// </summary>
public static class PublicNetwork
{
    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to public addresses.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = (await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false)).Where(IsPublic).ToArray();
        if (addresses.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"{context.DnsEndPoint.Host} has no public address.");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Not loopback, private, link-local, shared (100.64/10), unspecified or multicast, also inside NAT64 or 6to4 addresses; not Teredo.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // IPv6 forms that carry an IPv4 address a gateway may route to: judge that address.
            var v6 = address.GetAddressBytes();
            if (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            {
                return IsPublic(new IPAddress(v6.AsSpan(12, 4))); // NAT64, 64:ff9b::/96
            }
            if (v6[0] == 0x20 && v6[1] == 0x02)
            {
                return IsPublic(new IPAddress(v6.AsSpan(2, 4))); // 6to4, 2002::/16
            }
            if (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x00 && v6[3] == 0x00)
            {
                return false; // Teredo, 2001::/32: the IPv4 inside is obfuscated
            }
        }
        if (IPAddress.IsLoopback(address))
        {
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 || b[0] >= 224
                || (b[0] == 169 && b[1] == 254) || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] is >= 64 and <= 127));
        }
        return !(address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (address.GetAddressBytes()[0] & 0xFE) == 0xFC);
    }
}
