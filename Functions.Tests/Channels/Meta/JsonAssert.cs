using System.Text.Json;

namespace Functions.Tests.Channels.Meta;

/// <summary>
/// Compares two JSON documents by meaning: the same properties (in any order) with the same
/// values, arrays in the same order, numbers by value. The failure names the first path that differs.
/// </summary>
internal static class JsonAssert
{
    public static void Equivalent(string expected, string actual)
    {
        using var e = JsonDocument.Parse(expected);
        using var a = JsonDocument.Parse(actual);
        var difference = Difference(e.RootElement, a.RootElement, "$");
        Assert.True(difference is null, $"{difference}\nactual: {actual}");
    }

    private static string? Difference(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return $"{path}: expected {expected.ValueKind} {expected.GetRawText()}, got {actual.ValueKind} {actual.GetRawText()}";
        }
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                var actualNames = actual.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                var missing = expectedNames.Except(actualNames).ToList();
                var extra = actualNames.Except(expectedNames).ToList();
                if (missing.Count > 0 || extra.Count > 0)
                {
                    return $"{path}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", extra)}]";
                }
                foreach (var property in expected.EnumerateObject())
                {
                    if (Difference(property.Value, actual.GetProperty(property.Name), $"{path}.{property.Name}") is { } d)
                    {
                        return d;
                    }
                }
                return null;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return $"{path}: expected {expected.GetArrayLength()} items, got {actual.GetArrayLength()}";
                }
                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    if (Difference(expected[i], actual[i], $"{path}[{i}]") is { } d)
                    {
                        return d;
                    }
                }
                return null;
            case JsonValueKind.Number:
                return expected.GetDecimal() == actual.GetDecimal() ? null : $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: expected \"{expected.GetString()}\", got \"{actual.GetString()}\"";
            default:
                return null; // true, false, null: the kind says it all
        }
    }
}
