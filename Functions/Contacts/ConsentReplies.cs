using System.Collections.Frozen;
using Functions.Tenants;

namespace Functions.Contacts;

/// <summary>
/// The confirmation sent after a STOP or START: the tenant's own text in the customer's language
/// where it has one, else the built-in text. Languages are tried in this order: the contact's
/// (<c>en_US</c>), its base language (<c>en</c>), the tenant's default language and its base,
/// first among the tenant's replies and then among the built-in ones, and finally built-in English.
/// Built-in texts exist for the languages of the built-in keywords and name a built-in keyword
/// (which a tenant's words cannot take over), so the way back always works.
/// </summary>
public static class ConsentReplies
{
    public static readonly IReadOnlyDictionary<string, string> DefaultOptOut = new Dictionary<string, string>
    {
        ["en"] = "You're unsubscribed and won't get more messages from us. Reply START to subscribe again.",
        ["sv"] = "Du är avregistrerad och får inga fler meddelanden från oss. Svara START för att prenumerera igen.",
        ["de"] = "Sie sind abgemeldet und erhalten keine weiteren Nachrichten von uns. Antworten Sie START, um sich wieder anzumelden.",
        ["es"] = "Te has dado de baja y no recibirás más mensajes nuestros. Responde START para volver a suscribirte.",
        ["pt"] = "Sua inscrição foi cancelada e você não receberá mais mensagens nossas. Responda START para se inscrever novamente.",
        ["fr"] = "Votre désinscription est confirmée : vous ne recevrez plus de messages de notre part. Répondez START pour vous réabonner.",
        ["it"] = "Iscrizione annullata: non riceverai più messaggi da parte nostra. Rispondi START per iscriverti di nuovo.",
        ["nl"] = "Je bent afgemeld en ontvangt geen berichten meer van ons. Antwoord START om je weer aan te melden.",
        ["zh"] = "您已退订，将不会再收到我们的消息。回复“订阅”即可重新订阅。",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, string> DefaultOptIn = new Dictionary<string, string>
    {
        ["en"] = "You're subscribed again and will get our messages. Reply STOP at any time to unsubscribe.",
        ["sv"] = "Du prenumererar igen och får våra meddelanden. Svara STOPP när som helst för att avsluta.",
        ["de"] = "Sie sind wieder angemeldet und erhalten unsere Nachrichten. Antworten Sie jederzeit STOPP, um sich abzumelden.",
        ["es"] = "Te has vuelto a suscribir y recibirás nuestros mensajes. Responde BAJA cuando quieras para dejar de recibirlos.",
        ["pt"] = "Sua inscrição foi reativada e você voltará a receber nossas mensagens. Responda STOP a qualquer momento para cancelar.",
        ["fr"] = "Votre abonnement est réactivé : vous recevrez à nouveau nos messages. Répondez STOP à tout moment pour vous désabonner.",
        ["it"] = "Iscrizione riattivata: riceverai di nuovo i nostri messaggi. Rispondi STOP in qualsiasi momento per annullarla.",
        ["nl"] = "Je bent weer aangemeld en ontvangt onze berichten weer. Antwoord op elk moment STOP om je af te melden.",
        ["zh"] = "您已重新订阅，将继续收到我们的消息。如需退订，请随时回复“退订”。",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The tenant's confirmation for <paramref name="keyword"/> to a contact; null when it sends none.</summary>
    public static string? TextFor(ConsentKeyword keyword, string? contactLanguage, Tenant tenant) =>
        TextFor(keyword, contactLanguage, tenant.DefaultLanguage, tenant.Consent);

    /// <summary>
    /// The text to send for <paramref name="keyword"/>, or null when there is nothing to send:
    /// the keyword is <see cref="ConsentKeyword.None"/> or the tenant switched confirmations off.
    /// <paramref name="contactLanguage"/> may be null or unknown; <c>en-US</c> is read as <c>en_US</c>.
    /// </summary>
    public static string? TextFor(ConsentKeyword keyword, string? contactLanguage, string? tenantLanguage, ConsentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (configured, builtIn) = keyword switch
        {
            ConsentKeyword.OptOut => (settings.OptOutReplies, DefaultOptOut),
            ConsentKeyword.OptIn => (settings.OptInReplies, DefaultOptIn),
            _ => (null, null),
        };
        if (configured is null || builtIn is null || !settings.SendConfirmation)
        {
            return null;
        }
        string[] languages = [.. Candidates(contactLanguage).Concat(Candidates(tenantLanguage)).Distinct(StringComparer.Ordinal)];
        return languages.Select(l => configured.GetValueOrDefault(l)).FirstOrDefault(t => t is not null)
            ?? languages.Select(l => builtIn.GetValueOrDefault(l)).FirstOrDefault(t => t is not null)
            ?? builtIn["en"];
    }

    /// <summary><c>en_US</c> then <c>en</c>, written as WhatsApp writes them; nothing for null or blank.</summary>
    private static IEnumerable<string> Candidates(string? language)
    {
        var parts = (language ?? "").Trim().Replace('-', '_').Split('_', 2);
        var baseLanguage = parts[0].ToLowerInvariant();
        if (baseLanguage.Length == 0)
        {
            yield break;
        }
        if (parts.Length == 2 && parts[1].Length > 0)
        {
            yield return baseLanguage + "_" + parts[1].ToUpperInvariant();
        }
        yield return baseLanguage;
    }
}
