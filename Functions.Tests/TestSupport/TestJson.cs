using System.Text.Json;
using System.Text.Json.Serialization;

namespace Functions.Tests.TestSupport;

/// <summary>The API's JSON conventions (web defaults, enums as camelCase words), for reading answers in tests.</summary>
public static class TestJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
