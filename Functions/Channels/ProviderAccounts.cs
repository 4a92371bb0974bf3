using Functions.Channels.Meta;
using Functions.Channels.Twilio;
using Functions.Tenants;

namespace Functions.Channels;

/// <summary>A tenant's stored provider settings as the provider clients take them.</summary>
public static class ProviderAccounts
{
    public static TwilioAccount Twilio(ProviderSettings p) =>
        p.Type == ProviderSettings.TwilioType
            ? new TwilioAccount(p.AccountSid!, p.AuthToken, p.ApiKeySid, p.ApiKeySecret, NormalizedFrom(p.From), p.MessagingServiceSid)
            : throw new InvalidOperationException($"The tenant's provider is {p.Type}, not twilio.");

    public static MetaAccount Meta(ProviderSettings p) =>
        p.Type == ProviderSettings.MetaType
            ? new MetaAccount(p.PhoneNumberId!, p.BusinessAccountId!, p.AccessToken!, p.AppSecret!, p.VerifyToken!)
            : throw new InvalidOperationException($"The tenant's provider is {p.Type}, not meta.");

    private static string? NormalizedFrom(string? from) => from is null ? null : Contacts.PhoneNumbers.Normalize(from);
}
