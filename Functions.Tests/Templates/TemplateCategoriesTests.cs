using Functions.Templates;

namespace Functions.Tests.Templates;

public sealed class TemplateCategoriesTests
{
    [Theory]
    [InlineData("MARKETING", TemplateCategory.Marketing, null)]
    [InlineData("marketing", TemplateCategory.Marketing, null)]
    [InlineData("Utility", TemplateCategory.Utility, null)]
    [InlineData(" utility ", TemplateCategory.Utility, null)]
    [InlineData("AUTHENTICATION", TemplateCategory.Authentication, null)]
    // The older categories as seed 000 lists them, each kept as the label.
    [InlineData("Account Update", TemplateCategory.Utility, "Account Update")]
    [InlineData("Alert Update", TemplateCategory.Utility, "Alert Update")]
    [InlineData("Appointment Update", TemplateCategory.Utility, "Appointment Update")]
    [InlineData("Auto-Reply", TemplateCategory.Utility, "Auto-Reply")]
    [InlineData("Issue Resolution", TemplateCategory.Utility, "Issue Resolution")]
    [InlineData("Payment Update", TemplateCategory.Utility, "Payment Update")]
    [InlineData("Personal Finance Update", TemplateCategory.Utility, "Personal Finance Update")]
    [InlineData("Reservation Update", TemplateCategory.Utility, "Reservation Update")]
    [InlineData("Shipping Update", TemplateCategory.Utility, "Shipping Update")]
    [InlineData("Ticket Update", TemplateCategory.Utility, "Ticket Update")]
    [InlineData("Transportation Update", TemplateCategory.Utility, "Transportation Update")]
    // Meta's enum spelling and other ways of writing the same name give the same label.
    [InlineData("SHIPPING_UPDATE", TemplateCategory.Utility, "Shipping Update")]
    [InlineData("shipping-update", TemplateCategory.Utility, "Shipping Update")]
    [InlineData("AUTO_REPLY", TemplateCategory.Utility, "Auto-Reply")]
    [InlineData("auto reply", TemplateCategory.Utility, "Auto-Reply")]
    [InlineData("PERSONAL_FINANCE_UPDATE", TemplateCategory.Utility, "Personal Finance Update")]
    [InlineData("TRANSACTIONAL", TemplateCategory.Utility, "Transactional")]
    [InlineData("OTP", TemplateCategory.Authentication, "OTP")]
    public void TodaysAndOlderCategoriesAreRead(string text, TemplateCategory category, string? label) =>
        Assert.Equal(new ParsedCategory(category, label), TemplateCategories.Parse(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Shipping")]            // half a name
    [InlineData("SERVICE")]             // a conversation category, not a template one
    [InlineData("Shipping.Update")]     // other separators are not guessed at
    [InlineData("Utilïty")]
    [InlineData("MARKETING MARKETING")]
    public void AnythingElseIsUnknown(string? text) => Assert.Null(TemplateCategories.Parse(text));

    [Fact]
    public void EveryOlderCategoryHasALabelAndIsUtilityOrAuthentication() =>
        Assert.All(TemplateCategories.Legacy, c =>
        {
            Assert.False(string.IsNullOrEmpty(c.Label));
            Assert.NotEqual(TemplateCategory.Marketing, c.Category);
            Assert.Equal(c, TemplateCategories.Parse(c.Label));
        });
}
