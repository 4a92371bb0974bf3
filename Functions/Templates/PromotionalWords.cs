namespace Functions.Templates;

/// <summary>
/// Words and phrases that make Meta read a UTILITY (or AUTHENTICATION) template as marketing:
/// it then re-categorises or rejects it (providers.md §8, "promotional content or wrong
/// category"; Twilio's rejection reason <c>PROMOTIONAL</c> [T11]; seed 003: "Uses promotional
/// language in utility template"). Lists are per language (WhatsApp's code without the region:
/// <c>en</c> for <c>en_US</c>), matched as whole words or phrases, ignoring case and accents
/// (<c>promocion</c> matches <c>Promoción</c>). Words that are as often transactional as
/// promotional ("free" in "feel free to", "offer" as a verb, German "Angebot" for a quote) are
/// left out, or only in the phrases that are clearly promotional. A tenant adds its own with
/// <see cref="LintOptions.ExtraPromotionalWords"/>.
/// </summary>
public static class PromotionalWords
{
    /// <summary>The key in <see cref="LintOptions.ExtraPromotionalWords"/> for words that count in every language.</summary>
    public const string AnyLanguage = "*";

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Default { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["en"] =
        [
            "discount", "discounts", "sale", "promo", "promo code", "promotion", "promotions", "coupon", "coupons",
            "voucher", "vouchers", "deal", "deals", "special offer", "exclusive offer", "limited offer", "limited time",
            "buy now", "shop now", "order now", "don't miss", "hurry", "black friday", "cyber monday", "clearance",
            "cashback", "giveaway", "free gift", "free shipping", "for free", "percent off", "best price", "lowest price",
            "bargain", "new arrivals", "new collection",
        ],
        ["sv"] =
        [
            "rabatt", "rabatter", "rabattkod", "rea", "realisation", "erbjudande", "erbjudanden", "kampanj", "kampanjkod",
            "fri frakt", "handla nu", "köp nu", "missa inte", "fynd", "extrapris", "på köpet", "black friday", "mellandagsrea",
        ],
        ["es"] =
        [
            "descuento", "descuentos", "oferta", "ofertas", "oferta especial", "promoción", "promociones", "rebaja", "rebajas",
            "cupón", "cupones", "código promocional", "envío gratis", "compra ya", "compra ahora", "no te lo pierdas",
            "por tiempo limitado", "liquidación", "black friday", "2x1",
        ],
        ["de"] =
        [
            "rabatt", "rabatte", "rabattcode", "sonderangebot", "sonderangebote", "angebot des tages", "gutschein",
            "gutscheincode", "sale", "schnäppchen", "ausverkauf", "jetzt kaufen", "jetzt shoppen", "nicht verpassen",
            "nur für kurze zeit", "gratis versand", "kostenloser versand", "black friday",
        ],
        ["fr"] =
        [
            "promotion", "promotions", "promo", "code promo", "réduction", "réductions", "remise", "soldes", "offre spéciale",
            "offre exclusive", "bon de réduction", "coupon", "livraison gratuite", "achetez maintenant", "ne manquez pas",
            "durée limitée", "bon plan", "prix cassés", "déstockage", "black friday",
        ],
        ["pt"] =
        [
            "desconto", "descontos", "promoção", "promoções", "oferta", "ofertas", "cupom", "cupão", "código promocional",
            "frete grátis", "compre já", "compre agora", "não perca", "por tempo limitado", "liquidação", "imperdível",
            "black friday",
        ],
    };

    private static readonly Dictionary<string, string[][]> FoldedDefaults =
        Default.ToDictionary(kv => kv.Key, kv => kv.Value.Select(Phrase).Where(p => p.Length > 0).ToArray(), StringComparer.Ordinal);

    /// <summary><c>en</c> for <c>en_US</c>, <c>en-GB</c> or <c>EN</c>.</summary>
    public static string BaseLanguage(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
        {
            return "";
        }
        var trimmed = language.Trim();
        var cut = trimmed.AsSpan().IndexOfAny('_', '-');
        return (cut < 0 ? trimmed : trimmed[..cut]).ToLowerInvariant();
    }

    /// <summary>The phrases, as folded words, that count for a template in <paramref name="language"/>.</summary>
    internal static List<string[]> For(string? language, LintOptions? options)
    {
        var baseLanguage = BaseLanguage(language);
        var phrases = new List<string[]>(FoldedDefaults.GetValueOrDefault(baseLanguage) ?? []);
        if (options?.ExtraPromotionalWords is { } extra)
        {
            foreach (var (key, words) in extra)
            {
                var keyLanguage = key == AnyLanguage ? AnyLanguage : BaseLanguage(key);
                if (keyLanguage == AnyLanguage || keyLanguage == baseLanguage)
                {
                    phrases.AddRange((words ?? []).Where(w => !string.IsNullOrWhiteSpace(w)).Select(Phrase).Where(p => p.Length > 0));
                }
            }
        }
        return phrases;
    }

    /// <summary>
    /// Each match of a phrase in <paramref name="text"/>: where it starts, and the words as
    /// written. Placeholders should be masked with a character that is neither a letter nor white
    /// space (<c>\0</c>), so a variable's name is not read and no phrase runs across it.
    /// </summary>
    internal static IEnumerable<(int Start, string Written)> Matches(string text, IReadOnlyList<string[]> phrases)
    {
        if (phrases.Count == 0)
        {
            yield break;
        }
        var words = TemplateText.Words(text);
        for (var i = 0; i < words.Count; i++)
        {
            foreach (var phrase in phrases)
            {
                if (i + phrase.Length > words.Count)
                {
                    continue;
                }
                var match = true;
                for (var j = 0; j < phrase.Length && match; j++)
                {
                    // A phrase's words are separated by white space only: punctuation or a
                    // variable between them ends the phrase ("your order. Now …" is no "order now").
                    match = string.Equals(words[i + j].Folded, phrase[j], StringComparison.Ordinal)
                        && (j == 0 || TemplateText.IsBlank(text, words[i + j - 1].End, words[i + j].Start));
                }
                if (match)
                {
                    yield return (words[i].Start, text[words[i].Start..words[i + phrase.Length - 1].End]);
                }
            }
        }
    }

    private static string[] Phrase(string phrase) => TemplateText.Words(phrase).Select(w => w.Folded).ToArray();
}
