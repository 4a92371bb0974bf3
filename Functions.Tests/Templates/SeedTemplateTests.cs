using Functions.Templates;
using static Functions.Templates.LintCodes;
using static Functions.Tests.Templates.TestTemplates;

namespace Functions.Tests.Templates;

/// <summary>
/// The template texts quoted in the seed documents (shared/seeds), linted. Seed 000 (Gesprek)
/// quotes messages as a customer gets them, values already in: those lint clean as quoted, and
/// the same texts written as templates (a variable where each value was) show what the review
/// would refuse. Seed 003 lists template names with their parameters and the reasons its
/// templates were rejected; seed 004 calls bare placeholders "vague"; seed 001 gives the naming
/// rule. Seed 002 quotes no template text.
/// </summary>
public sealed class SeedTemplateTests
{
    private static readonly Dictionary<string, (TemplateDefinition Template, string[] Codes, string Why)> Fixtures = new()
    {
        // --- Seed 000, the order-status system messages, as quoted -------------------------
        ["000 order sent"] = (Seeded("order_sent", "Shipping Update",
            "Order Confirmation (#IQma2srqAkqb7YQ0uYwFnA)\n\nIphone 11 256GB Black\nQty: 1\nPrice: HKD 6,899.00\n\nTotal: HKD 6,899.00\n\nClick here to track your order:\nhttps://customer.gesprek.chat/company1/order?token=xxxxxx"),
            [], "No variables; one empty line between parts; the link is the shop's own; nothing promotional."),
        ["000 paid"] = (Seeded("paid", "Payment Update",
            "Order Status Update (#12345678): Paid\n\nClick here to track your order:\nhttps://customer.gesprek.chat/company1/order?token=xxxxxx"),
            [], "As above."),
        ["000 shipped"] = (Seeded("shipped", "Shipping Update",
            "Your order (#12345678) is on the way! Here is the details:\n\nCarrier: DHL\nTracking No.: 1234\n\nClick here to track your order:\nhttps://customer.gesprek.chat/company1/order?token=xxxxxx"),
            [], "As above (the grammar slip \"Here is the details\" is for a human reviewer)."),

        // --- Seed 000, the same three written as templates ---------------------------------
        ["000 order sent as a template"] = (Seeded("order_sent", "Shipping Update",
            "Order Confirmation (#{{1}})\n\n{{2}}\nQty: {{3}}\nPrice: {{4}}\n\nTotal: {{5}}\n\nClick here to track your order:\n{{6}}"),
            [TooManyVariables, VariableAtEnd],
            "The tracking link becomes the last thing in the body; and 6 variables with 11 words is under 3 × 6 + 1."),
        ["000 order sent, the link in a button"] = (Seeded("order_sent", "Shipping Update",
            "Order Confirmation (#{{1}})\n\n{{2}}\nQty: {{3}}\nPrice: {{4}}\n\nTotal: {{5}}\n\nTap below to track your order.",
            buttons: [Link("https://customer.gesprek.chat/company1/order?token={{1}}", example: "xxxxxx")]),
            [], "The fix: the link's token is the URL button's variable, and the body ends in words (11 words + 5 variables = 3 × 5 + 1)."),
        ["000 paid as a template"] = (Seeded("paid", "Payment Update",
            "Order Status Update (#{{1}}): {{2}}\n\nClick here to track your order:\n{{3}}"),
            [VariableAtEnd], "The link as a variable ends the body."),
        ["000 shipped as a template"] = (Seeded("shipped", "Shipping Update",
            "Your order (#{{1}}) is on the way! Here is the details:\n\nCarrier: {{2}}\nTracking No.: {{3}}\n\nClick here to track your order:\n{{4}}"),
            [VariableAtEnd], "As above; the carrier and tracking number have labels before them, so they are fine."),

        // --- Seed 000, the portal's other template examples, as quoted ---------------------
        ["000 receipt uploaded"] = (Seeded("payment_receipt_received", "Payment Update",
            "Thank you for uploading the payment receipt. We will process your order ASAP after confirming your payment."),
            [], "Plain transactional text."),
        ["000 refund follow-up"] = (Seeded("refund_policy_follow_up", "Issue Resolution",
            "I was able to do some follow-up based on our previous conversation, and I’ve found the answer to your question about our refund policy. If you’d like to continue our conversation, please say ‘yes’."),
            [], "Typographic apostrophes and quotes are ordinary text."),
        ["000 reservation"] = (Seeded("reservation_confirmed", "Reservation Update",
            "Thank you for your reservation at Skygear. We look forward to seeing you on 1st of August. You can check in between 13.00 - 17.00. If you come before or after these times, you can reach us at 12345678. See you soon!"),
            [], "Plain transactional text."),
        ["000 question forwarded"] = (Seeded("question_forwarded", "Auto-Reply",
            "Hi! Thanks for your question! We have received this and forwarded it to our tech department. If we have an update from them, we will keep you informed! Regards, Oursky"),
            [], "Plain text; the older category Auto-Reply is read as UTILITY."),

        // --- Seed 000, those written as templates ------------------------------------------
        ["000 reservation as a template"] = (Seeded("reservation_confirmed", "Reservation Update",
            "Thank you for your reservation at {{1}}. We look forward to seeing you on {{2}}. You can check in between {{3}}. If you come before or after these times, you can reach us at {{4}}. See you soon!"),
            [], "Every value sits inside a sentence: nothing at the start or end, plenty of words."),
        ["000 question forwarded as a template"] = (Seeded("question_forwarded", "Auto-Reply",
            "Hi! Thanks for your question! We have received this and forwarded it to our tech department. If we have an update from them, we will keep you informed! Regards, {{1}}"),
            [VariableAtEnd], "The sign-off's name as a variable is the last thing in the body."),

        // --- Seed 003: names, and the rejections it lists ----------------------------------
        ["003 nueva_solicitud_de_servicio"] = (Seeded("nueva_solicitud_de_servicio", "utility",
            "Nueva solicitud {{1}}: {{2}} para {{3}}, tel. {{4}}, en {{5}}, entrega {{6}}.", language: "es"),
            [TooManyVariables],
            "Seed 003 gives the name and six parameters, not the text; this body (ours) lists them with a word each: 6 words + 6 variables is under 3 × 6 + 1."),
        ["003 solicitud_recibida_cliente, variable in the greeting"] = (Seeded("solicitud_recibida_cliente", "utility",
            "{{1}}, recibimos tu solicitud {{2}} de {{3}} para el {{4}}. Te escribiremos a {{5}} si necesitamos más datos.", language: "es"),
            [VariableAtStart], "Seed 003's first rejection: \"Contains variable in greeting (not allowed in opening)\"."),
        ["003 solicitud_recibida_cliente, fixed"] = (Seeded("solicitud_recibida_cliente", "utility",
            "Hola {{1}}, recibimos tu solicitud {{2}} de {{3}} para el {{4}}. Te escribiremos a {{5}} si necesitamos más datos.", language: "es"),
            [], "A word before the name is enough."),
        ["003 solicitud_aprobada_operaciones, promotional"] = (Seeded("solicitud_aprobada_operaciones", "utility",
            "Hola {{1}}, operaciones aprobó la solicitud {{2}} para entregar el {{3}}. ¡Aprovecha nuestras ofertas de temporada!", language: "es"),
            [PromotionalWording], "Seed 003's second rejection: \"Uses promotional language in utility template\"."),
        ["003 reasignacion_removida, special characters"] = (Seeded("reasignacion_removida", "utility",
            "Hola {{1}}, la solicitud {{#2}} de {{3}} fue reasignada a otro proveedor.", language: "es"),
            [InvalidPlaceholder, PlaceholderNotSequential],
            "Seed 003's third: \"Formatting issues or special characters\". {{#2}} is no variable, so {{3}} follows {{1}} with a gap."),
        ["003 ptar_formulario_enviado"] = (Seeded("ptar_formulario_enviado", "utility",
            "Hola {{1}}, te enviamos el cuestionario técnico PTAR: {{2}}. Si tienes dudas, escribe a {{3}} al {{4}} en horario de oficina.", language: "es"),
            [], "The name and four parameters from seed 003, in a body with words around each."),

        // --- Seed 004: bare placeholders are vague -------------------------------------------
        ["004 only placeholders"] = (Seeded("mall", "utility", "{{1}}, {{2}}", language: "sv"),
            [TooManyVariables, VariableAtEnd, VariableAtStart],
            "Seed 004: \"lägga till platshållare som {{1}}, {{2}}, osv. betraktas som vagt\": no words at all."),

        // --- Seed 001: "lowercase with underscore (_) used as space" -------------------------
        ["001 name with spaces and capitals"] = (Seeded("Appointment Reminder", "Appointment Update", "Hi {{1}}, this is a reminder of your appointment on {{2}} at our clinic."),
            [NameFormat], "Seed 001's naming rule."),
        ["001 name with underscore for space"] = (Seeded("appointment_reminder", "Appointment Update", "Hi {{1}}, this is a reminder of your appointment on {{2}} at our clinic."),
            [], "Seed 001's naming rule, followed."),
    };

    public static TheoryData<string> FixtureNames => new(Fixtures.Keys);

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void SeedTextsLintAsExpected(string fixture)
    {
        var (template, expected, why) = Fixtures[fixture];
        var found = TemplateLinter.Lint(template).Select(f => f.Code).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.Order(StringComparer.Ordinal).SequenceEqual(found),
            $"{fixture}: expected [{string.Join(", ", expected)}] because {why} Found [{string.Join(", ", found)}].");
    }

    /// <summary>A template from a seed: its older category read as today's, examples for every variable.</summary>
    private static TemplateDefinition Seeded(string name, string category, string body, string language = "en", IReadOnlyList<TemplateButton>? buttons = null)
    {
        var parsed = TemplateCategories.Parse(category) ?? throw new ArgumentException($"Unknown category {category}", nameof(category));
        return Definition(body: body, name: name, category: parsed.Category, language: language, buttons: buttons) with { Label = parsed.Label };
    }
}
