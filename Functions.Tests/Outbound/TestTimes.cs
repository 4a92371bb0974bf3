namespace Functions.Tests.Outbound;

internal static class TestTimes
{
    /// <summary>The time as a provider with second-precision timestamps reports it.</summary>
    public static DateTimeOffset TruncateToSeconds(this DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());
}
