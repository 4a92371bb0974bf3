namespace Functions.Hosting;

/// <summary>
/// A 6-field NCRONTAB schedule as the Functions timer trigger reads it:
/// <c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, evaluated in UTC.
/// PLACEHOLDER: being written on the timer branch.
/// </summary>
public sealed class CronSchedule
{
    public static CronSchedule Parse(string expression)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        return new CronSchedule();
    }
}
