using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace Functions.Hosting;

/// <summary>
/// A 6-field NCRONTAB schedule as the Functions timer trigger reads it:
/// <c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, evaluated in UTC.
/// </summary>
/// <remarks>
/// <para>
/// Each field is <c>*</c>, a number, a range <c>a-b</c>, or a comma list of these; any of them may
/// take a step: <c>*/n</c>, <c>a-b/n</c>, or <c>a/n</c> (from <c>a</c> to the field's maximum).
/// Months accept JAN–DEC and days of the week SUN–SAT (three letters or the full English name,
/// any case). Day of week is 0–6 with 0 = Sunday. <c>7</c> is rejected, as NCrontab (the parser
/// the Functions host uses) rejects it: a schedule accepted here must also start on Azure.
/// For the same reason this parser is never more lenient than the host; it is stricter in a few
/// places where NCrontab silently guesses: a step of 0 (NCrontab treats it as 1), a reversed range
/// such as <c>5-1</c> (NCrontab swaps the ends), and abbreviated names other than the three-letter
/// form (NCrontab accepts any prefix, so <c>M</c> is March).
/// </para>
/// <para>
/// Day of month and day of week combine with AND, as in NCrontab: a date matches only when its
/// day of month is in the day field <em>and</em> its weekday is in the day-of-week field, so
/// <c>0 0 0 13 * FRI</c> is "every Friday the 13th". (Classic Unix cron uses OR when both fields
/// are restricted; NCrontab does not — see its <c>GetNextOccurrence</c>, and its issue #107 — and the
/// host must agree with the standalone runner.) When either field is <c>*</c> the two rules agree.
/// </para>
/// </remarks>
public sealed class CronSchedule
{
    /// <summary>
    /// How far <see cref="GetNextOccurrence"/> looks ahead before giving up. Long enough for rare but
    /// real AND combinations (February 29 on a given weekday recurs only every 28 to 40 years);
    /// an impossible schedule such as <c>0 0 0 30 2 *</c> still ends after one cheap step per month.
    /// </summary>
    public const int SearchHorizonYears = 50;

    private static readonly string[] FieldNames = ["second", "minute", "hour", "day", "month", "day-of-week"];
    private static readonly int[] FieldMin = [0, 0, 0, 1, 1, 0];
    private static readonly int[] FieldMax = [59, 59, 23, 31, 12, 6];

    private static readonly string[] MonthNames =
        ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"];

    private static readonly string[] DayNames = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"];

    private const int Second = 0, Minute = 1, Hour = 2, Day = 3, Month = 4, DayOfWeek = 5;

    // One bit per allowed value (bit n set = value n allowed), for every field.
    private readonly ulong[] _masks;
    private readonly string _expression;

    private CronSchedule(string expression, ulong[] masks)
    {
        _expression = expression;
        _masks = masks;
    }

    /// <summary>Parses a 6-field expression; throws <see cref="FormatException"/> naming the field and the problem.</summary>
    public static CronSchedule Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return TryParse(expression, out var schedule, out var error) ? schedule : throw new FormatException(error);
    }

    /// <summary>Parses a 6-field expression; on failure returns false and an error naming the field and the problem.</summary>
    public static bool TryParse(
        string? expression,
        [NotNullWhen(true)] out CronSchedule? schedule,
        [NotNullWhen(false)] out string? error)
    {
        schedule = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = "The schedule is empty; the Functions timer trigger uses 6 fields: second minute hour day month day-of-week.";
            return false;
        }

        var fields = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            error = fields.Length == 5
                ? $"'{expression}' has 5 fields, but the Functions timer trigger uses 6 fields: second minute hour day month day-of-week (e.g. '0 {expression.Trim()}')."
                : $"'{expression}' has {fields.Length} field{(fields.Length == 1 ? "" : "s")}, but the Functions timer trigger uses 6 fields: second minute hour day month day-of-week.";
            return false;
        }

        var masks = new ulong[6];
        for (var i = 0; i < 6; i++)
        {
            if (!TryParseField(i, fields[i], out masks[i], out var problem))
            {
                error = $"Field '{FieldNames[i]}' {problem} in '{expression}'.";
                return false;
            }
        }

        schedule = new CronSchedule(expression, masks);
        error = null;
        return true;
    }

    /// <summary>
    /// The first occurrence strictly after <paramref name="after"/>, in UTC and at a whole second, or
    /// null when there is none within <see cref="SearchHorizonYears"/> years (an impossible date such as February 30).
    /// </summary>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after)
    {
        var utc = after.UtcDateTime;
        var wholeSecond = utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond;
        if (wholeSecond >= DateTime.MaxValue.Ticks - TimeSpan.TicksPerSecond)
        {
            return null;
        }
        var start = new DateTime(wholeSecond + TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var lastYear = Math.Min(start.Year + SearchHorizonYears, DateTime.MaxValue.Year - 1);

        // Walk the calendar coarse to fine, skipping with the bit masks: a month that does not match
        // costs one step, a day one step, and the time of day is found in at most 24 x 60 steps.
        for (var year = start.Year; year <= lastYear; year++)
        {
            var firstMonth = year == start.Year ? start.Month : 1;
            for (var month = NextSet(_masks[Month], firstMonth); month > 0; month = NextSet(_masks[Month], month + 1))
            {
                var sameMonth = year == start.Year && month == start.Month;
                var daysInMonth = DateTime.DaysInMonth(year, month);
                for (var day = NextSet(_masks[Day], sameMonth ? start.Day : 1);
                     day > 0 && day <= daysInMonth;
                     day = NextSet(_masks[Day], day + 1))
                {
                    if ((_masks[DayOfWeek] & (1UL << (int)new DateTime(year, month, day).DayOfWeek)) == 0)
                    {
                        continue;
                    }
                    var sameDay = sameMonth && day == start.Day;
                    if (TryGetTimeOfDay(sameDay ? start.TimeOfDay : TimeSpan.Zero, out var time))
                    {
                        return new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero) + time;
                    }
                }
            }
        }
        return null;
    }

    /// <summary>Whether <paramref name="time"/> (taken in UTC) is an occurrence: a whole second that every field allows.</summary>
    public bool Matches(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        return utc.Ticks % TimeSpan.TicksPerSecond == 0
            && Has(Second, utc.Second) && Has(Minute, utc.Minute) && Has(Hour, utc.Hour)
            && Has(Day, utc.Day) && Has(Month, utc.Month) && Has(DayOfWeek, (int)utc.DayOfWeek);
    }

    /// <summary>The expression exactly as it was parsed.</summary>
    public override string ToString() => _expression;

    private bool Has(int field, int value) => (_masks[field] & (1UL << value)) != 0;

    /// <summary>The first allowed time of day at or after <paramref name="from"/> (whole seconds), if any.</summary>
    private bool TryGetTimeOfDay(TimeSpan from, out TimeSpan time)
    {
        for (var hour = NextSet(_masks[Hour], from.Hours); hour >= 0; hour = NextSet(_masks[Hour], hour + 1))
        {
            var sameHour = hour == from.Hours;
            for (var minute = NextSet(_masks[Minute], sameHour ? from.Minutes : 0); minute >= 0; minute = NextSet(_masks[Minute], minute + 1))
            {
                var second = NextSet(_masks[Second], sameHour && minute == from.Minutes ? from.Seconds : 0);
                if (second >= 0)
                {
                    time = new TimeSpan(hour, minute, second);
                    return true;
                }
            }
        }
        time = default;
        return false;
    }

    /// <summary>The smallest set bit at or above <paramref name="from"/>, or -1.</summary>
    private static int NextSet(ulong mask, int from)
    {
        if (from >= 64)
        {
            return -1;
        }
        var rest = mask & (ulong.MaxValue << from);
        return rest == 0 ? -1 : BitOperations.TrailingZeroCount(rest);
    }

    private static bool TryParseField(int field, string text, out ulong mask, [NotNullWhen(false)] out string? problem)
    {
        mask = 0;
        foreach (var item in text.Split(','))
        {
            if (!TryParseItem(field, item, out var itemMask, out problem))
            {
                return false;
            }
            mask |= itemMask;
        }
        problem = null;
        return true;
    }

    /// <summary>One list item: <c>*</c>, <c>a</c> or <c>a-b</c>, optionally followed by <c>/step</c>.</summary>
    private static bool TryParseItem(int field, string item, out ulong mask, [NotNullWhen(false)] out string? problem)
    {
        mask = 0;
        int min = FieldMin[field], max = FieldMax[field];
        if (item.Length == 0)
        {
            problem = "has an empty list item";
            return false;
        }

        var range = item;
        var step = 1;
        var slash = item.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            range = item[..slash];
            var stepText = item[(slash + 1)..];
            if (!IsDigits(stepText) || !int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step))
            {
                problem = $"step '{stepText}' in '{item}' is not a number";
                return false;
            }
            if (step == 0)
            {
                problem = $"step 0 in '{item}' is invalid (a step must be 1 or more)";
                return false;
            }
        }

        int first, last;
        if (range == "*")
        {
            (first, last) = (min, max);
        }
        else
        {
            var dash = range.IndexOf('-', StringComparison.Ordinal);
            var firstText = dash >= 0 ? range[..dash] : range;
            if (!TryParseValue(field, firstText, out first, out problem))
            {
                return false;
            }
            if (dash >= 0)
            {
                if (!TryParseValue(field, range[(dash + 1)..], out last, out problem))
                {
                    return false;
                }
                if (last < first)
                {
                    problem = $"range '{range}' is reversed (the start must not exceed the end)";
                    return false;
                }
            }
            else
            {
                last = slash >= 0 ? max : first; // 'a/n' runs from a to the field's maximum
            }
        }

        for (var value = first; value <= last; value += step)
        {
            mask |= 1UL << value;
        }
        problem = null;
        return true;
    }

    private static bool TryParseValue(int field, string text, out int value, [NotNullWhen(false)] out string? problem)
    {
        int min = FieldMin[field], max = FieldMax[field];
        var names = field switch { Month => MonthNames, DayOfWeek => DayNames, _ => null };
        if (IsDigits(text))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max)
            {
                problem = $"value {text} is out of range {min}-{max}" + (field == DayOfWeek ? " (0 = Sunday)" : "");
                value = 0;
                return false;
            }
            problem = null;
            return true;
        }

        if (names is not null && text.Length >= 3)
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (string.Equals(text, names[i], StringComparison.OrdinalIgnoreCase)
                    || (text.Length == 3 && names[i].StartsWith(text, StringComparison.OrdinalIgnoreCase)))
                {
                    value = i + min;
                    problem = null;
                    return true;
                }
            }
        }

        value = 0;
        problem = text.Length == 0
            ? "has a range with a missing start or end"
            : $"has an invalid value '{text}' (expected {min}-{max}{field switch
            {
                Month => " or JAN-DEC",
                DayOfWeek => " or SUN-SAT",
                _ => "",
            }})";
        return false;
    }

    private static bool IsDigits(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
