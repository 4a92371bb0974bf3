using Microsoft.Extensions.Options;

namespace Functions.Hosting;

public static class Settings
{
    /// <summary>
    /// Binds a settings section and checks it when the app starts: <paramref name="problems"/>
    /// names each bad value by its setting, and any problem stops start-up with those messages.
    /// </summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, string section, Func<T, IEnumerable<string>> problems)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new SettingsCheck<T>(problems));
        return services;
    }

    private sealed class SettingsCheck<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            problems(options).ToList() is { Count: > 0 } found ? ValidateOptionsResult.Fail(found) : ValidateOptionsResult.Success;
    }
}
