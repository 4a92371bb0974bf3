using System.Text;

namespace Functions.Channels.Twilio;

/// <summary>
/// <c>application/x-www-form-urlencoded</c> decoding as Twilio's webhooks use it: pairs split on
/// <c>&amp;</c> and the first <c>=</c>, <c>+</c> for space, <c>%XX</c> as UTF-8. Repeated keys are
/// kept, in order; a key without <c>=</c> has an empty value; empty segments are skipped.
/// </summary>
internal static class TwilioForm
{
    public static List<KeyValuePair<string, string>> Parse(ReadOnlySpan<byte> body) => Parse(Encoding.UTF8.GetString(body));

    public static List<KeyValuePair<string, string>> Parse(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var segment in text.TrimStart('?').Split('&'))
        {
            if (segment.Length == 0)
            {
                continue;
            }
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? segment : segment[..eq];
            var value = eq < 0 ? "" : segment[(eq + 1)..];
            pairs.Add(new(Decode(key), Decode(value)));
        }
        return pairs;
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
}
