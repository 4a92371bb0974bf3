using System.Security.Cryptography;
using System.Text;

namespace Functions.Tenants;

/// <summary>
/// The platform operator's key (setting <c>Platform:OperatorKey</c>, at least 32 characters):
/// it creates and updates tenants. Held only as a hash and compared in constant time. In the
/// no-settings demo mode a random one is made and printed once; otherwise, without the setting,
/// the admin API is closed.
/// </summary>
public sealed class OperatorKey
{
    public const string Setting = "Platform:OperatorKey";
    public const int MinLength = 32;

    private readonly byte[]? _hash;

    private OperatorKey(string? key, string? generated)
    {
        _hash = key is null ? null : Hash(key);
        GeneratedForDemo = generated;
    }

    /// <summary>The key made for the demo, to print once; null when it came from settings.</summary>
    public string? GeneratedForDemo { get; }

    public bool IsConfigured => _hash is not null;

    public static OperatorKey From(IConfiguration configuration, bool demoMode)
    {
        var configured = configuration[Setting];
        if (!string.IsNullOrEmpty(configured))
        {
            return configured.Length >= MinLength
                ? new OperatorKey(configured, null)
                : throw new InvalidOperationException($"Setting {Setting} must be at least {MinLength} characters.");
        }
        if (demoMode)
        {
            var generated = "wabop_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            return new OperatorKey(generated, generated);
        }
        return new OperatorKey(null, null);
    }

    public bool Matches(string presented) =>
        _hash is not null && CryptographicOperations.FixedTimeEquals(_hash, Hash(presented));

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    public override string ToString() => IsConfigured ? "OperatorKey(configured)" : "OperatorKey(none)";
}
