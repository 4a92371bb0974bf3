namespace Functions.Hosting;

internal static class ServiceCollectionInstanceExtensions
{
    /// <summary>
    /// The singleton instance of <typeparamref name="T"/> already registered, or <paramref name="instance"/>
    /// registered now: lets capabilities add to shared start-up registries (catalog, storage layout).
    /// </summary>
    public static T TryAddSingletonInstance<T>(this IServiceCollection services, T instance) where T : class
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(T) && d.ImplementationInstance is not null);
        if (existing is not null)
        {
            return (T)existing.ImplementationInstance!;
        }
        services.AddSingleton(instance);
        return instance;
    }
}
