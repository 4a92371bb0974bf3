using Functions.Channels.Meta;
using Functions.Channels.Sandbox;
using Functions.Channels.Twilio;
using Functions.Tenants;

namespace Functions.Channels;

/// <summary>
/// Sends a message through the tenant's provider: Twilio, Meta's Cloud API or the sandbox. The
/// clients never retry; what a failure means for the message is the outbound pipeline's call.
/// </summary>
public sealed class ChannelSender(TwilioClient twilio, MetaClient meta, SandboxChannel sandbox)
{
    /// <exception cref="ChannelSendException">The provider refused the message, or could not be reached (nothing sent).</exception>
    /// <exception cref="SendOutcomeUnknownException">The request may have reached the provider; no usable answer came.</exception>
    public async Task<SendReceipt> SendAsync(Tenant tenant, OutboundMessage message, CancellationToken cancellationToken)
    {
        switch (tenant.Provider.Type)
        {
            case ProviderSettings.TwilioType:
                return await twilio.SendAsync(ProviderAccounts.Twilio(tenant.Provider), message, cancellationToken);
            case ProviderSettings.MetaType:
                try
                {
                    return await meta.SendAsync(ProviderAccounts.Meta(tenant.Provider), message, cancellationToken);
                }
                catch (HttpRequestException ex)
                {
                    // Meta's client reports "no connection could be made" as is: nothing left, safe to try again.
                    throw new ChannelSendException(new ProviderError("unreachable", ex.Message, FailureReason.ProviderUnavailable), httpStatus: 0);
                }
            case ProviderSettings.SandboxType:
                return await sandbox.SendAsync(tenant.Id, message, cancellationToken);
            default:
                throw new InvalidOperationException($"The tenant's provider '{tenant.Provider.Type}' cannot send.");
        }
    }

    /// <summary>
    /// Why the tenant's provider would refuse this message before any request is made (a kind it
    /// cannot send, a field in the wrong shape), or null when it can be sent. The check is the
    /// provider's own request builder, so the API refuses exactly what the send would.
    /// </summary>
    public static string? Refusal(Tenant tenant, OutboundMessage message)
    {
        try
        {
            switch (tenant.Provider.Type)
            {
                case ProviderSettings.TwilioType:
                    TwilioClient.BuildForm(ProviderAccounts.Twilio(tenant.Provider), message);
                    break;
                default:
                    // Meta's format is WhatsApp's own; the sandbox imitates it.
                    MetaMessagePayload.Message(message);
                    break;
            }
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            return ex.Message;
        }
    }

    /// <summary>The longest text a provider takes in one message (Twilio's Body: 1,600; WhatsApp's own: 4,096).</summary>
    public static int MaxTextLength(Tenant tenant) => tenant.Provider.Type == ProviderSettings.TwilioType ? 1600 : 4096;
}
