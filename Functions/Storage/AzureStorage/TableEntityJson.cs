using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Azure;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// Table entities as OData JSON. Writes annotate every type JSON cannot carry on its own
/// (Int64, Double, DateTime, Guid, Binary), and whole doubles go out as <c>5.0</c>. Reads trust an
/// annotation when there is one; an unannotated number is a double if its text has a fraction or an
/// exponent, else an int32 (a whole number too big for int32 can only be a double: Int64 is always annotated).
/// </summary>
internal static class TableEntityJson
{
    private const string TypeSuffix = "@odata.type";

    public static byte[] Write(TableEntity entity)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("PartitionKey", entity.PartitionKey);
            json.WriteString("RowKey", entity.RowKey);
            foreach (var (name, value) in entity.Properties)
            {
                WriteProperty(json, name, value);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteProperty(Utf8JsonWriter json, string name, object value)
    {
        switch (value)
        {
            case string s:
                json.WriteString(name, s);
                break;
            case bool b:
                json.WriteBoolean(name, b);
                break;
            case int i:
                json.WriteNumber(name, i);
                break;
            case long l:
                json.WriteString(name + TypeSuffix, "Edm.Int64");
                json.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                json.WriteString(name + TypeSuffix, "Edm.Double");
                json.WritePropertyName(name);
                if (double.IsFinite(d))
                {
                    json.WriteRawValue(FormatDouble(d), skipInputValidation: true);
                }
                else
                {
                    json.WriteStringValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                }
                break;
            case DateTimeOffset dto:
                json.WriteString(name + TypeSuffix, "Edm.DateTime");
                json.WriteString(name, FormatDateTime(dto));
                break;
            case Guid g:
                json.WriteString(name + TypeSuffix, "Edm.Guid");
                json.WriteString(name, g.ToString("D"));
                break;
            case byte[] bytes:
                json.WriteString(name + TypeSuffix, "Edm.Binary");
                json.WriteBase64String(name, bytes);
                break;
            default:
                throw new ArgumentException($"Property '{name}' has unsupported type {value.GetType().Name}.", nameof(value));
        }
    }

    /// <summary>Shortest round-trip form, always with a fraction or exponent so no one reads it as an integer.</summary>
    public static string FormatDouble(double d)
    {
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E') < 0 ? text + ".0" : text;
    }

    /// <summary>UTC with all 7 fractional digits: Table Storage keeps 100 ns ticks.</summary>
    public static string FormatDateTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static TableEntity Read(JsonElement element, string? etagHeader = null)
    {
        var entity = new TableEntity(
            element.GetProperty("PartitionKey").GetString()!,
            element.GetProperty("RowKey").GetString()!);
        if (etagHeader is not null)
        {
            entity.ETag = new ETag(etagHeader);
        }
        else if (element.TryGetProperty("odata.etag", out var etag) && etag.GetString() is { } tag)
        {
            entity.ETag = new ETag(tag);
        }
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            if (name is "PartitionKey" or "RowKey" || name.StartsWith("odata.", StringComparison.Ordinal)
                || name.EndsWith(TypeSuffix, StringComparison.Ordinal) || property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (name == "Timestamp")
            {
                entity.Timestamp = ParseDateTime(property.Value.GetString()!);
                continue;
            }
            var type = element.TryGetProperty(name + TypeSuffix, out var t) ? t.GetString() : null;
            entity[name] = ReadValue(property.Value, type);
        }
        return entity;
    }

    private static object ReadValue(JsonElement value, string? type) => type switch
    {
        "Edm.String" => value.GetString()!,
        "Edm.Boolean" => value.GetBoolean(),
        "Edm.Int32" => value.ValueKind == JsonValueKind.String ? int.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt32(),
        "Edm.Int64" => value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64(),
        "Edm.Double" => value.ValueKind == JsonValueKind.String ? ParseDouble(value.GetString()!) : value.GetDouble(),
        "Edm.DateTime" => ParseDateTime(value.GetString()!),
        "Edm.Guid" => Guid.Parse(value.GetString()!),
        "Edm.Binary" => value.GetBytesFromBase64(),
        null => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when value.GetRawText().AsSpan().IndexOfAny('.', 'e', 'E') < 0 && value.TryGetInt32(out var i) => i,
            JsonValueKind.Number => value.GetDouble(),
            _ => throw new FormatException($"Unexpected JSON {value.ValueKind} in a table entity."),
        },
        _ => throw new FormatException($"Unknown Table Storage type '{type}'."),
    };

    private static double ParseDouble(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" or "INF" => double.PositiveInfinity,
        "-Infinity" or "-INF" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static DateTimeOffset ParseDateTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
