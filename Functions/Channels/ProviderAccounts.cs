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
            ? new MetaAccount(p.PhoneNumberId!, p.BusinessAccountId!, p.AccessToken!, p.AppSecret!, p.VerifyToken!) { AppId = p.AppId }
            : throw new InvalidOperationException($"The tenant's provider is {p.Type}, not meta.");

    /// <summary>
    /// The tenant's WhatsApp sender as conversations are keyed: Meta's phone number id, Twilio's
    /// sender number (or its Messaging Service SID), or "sandbox". A tenant is one sender, so
    /// inbound and outbound messages meet in the same conversation whatever number form a
    /// webhook uses.
    /// </summary>
    public static string SenderId(ProviderSettings p) => p.Type switch
    {
        ProviderSettings.MetaType => p.PhoneNumberId ?? "meta",
        ProviderSettings.TwilioType => NormalizedFrom(p.From) ?? p.MessagingServiceSid ?? "twilio",
        _ => p.Type,
    };

    private static string? NormalizedFrom(string? from) => from is null ? null : Contacts.PhoneNumbers.Normalize(from);
}
