using Functions.Contacts;

namespace Functions.Tests.Contacts;

public sealed class PhoneNumbersTests
{
    [Theory]
    [InlineData("+46 70-123 45 67", null, "+46701234567")]
    [InlineData("+46701234567", "46", "+46701234567")]
    [InlineData("whatsapp:+14155238886", null, "+14155238886")]
    [InlineData("0046 70 123 45 67", null, "+46701234567")]
    [InlineData("070-123 45 67", "46", "+46701234567")]      // Swedish national number: trunk 0 dropped
    [InlineData("(070) 123.45.67", "46", "+46701234567")]
    [InlineData("9123 4567", "852", "+85291234567")]         // Hong Kong has no trunk prefix
    [InlineData("06 1234 5678", "39", "+390612345678")]       // Italy keeps its leading 0
    [InlineData("(212) 555-0100", "1", "+12125550100")]
    [InlineData("1 212 555 0100", "1", "+12125550100")]       // North American number already with its 1
    [InlineData("011 44 20 7946 0958", "1", "+442079460958")] // dialled from North America
    [InlineData("+44 (0)20 7946 0958", null, "+442079460958")] // the bracketed trunk zero is dropped
    public void NumbersPeopleWriteBecomeE164(string input, string? defaultCountry, string expected) =>
        Assert.Equal(expected, PhoneNumbers.Normalize(input, defaultCountry));

    [Theory]
    [InlineData("", null, "empty")]
    [InlineData("   ", "46", "empty")]
    [InlineData("070 123 45 67", null, "no country code")]
    [InlineData("+46 70 CALL ME", null, "letters")]
    [InlineData("+46 70 123#45", null, "'#'")]
    [InlineData("+123", null, "at least 7")]
    [InlineData("+1234567890123456", null, "at most 15")]
    [InlineData("+0701234567", null, "cannot start with 0")]
    [InlineData("0701234567", "046", "default country code")]
    [InlineData("46701234567", "46", "write it as +46701234567")]
    public void WhatCannotBeAPhoneNumberIsRefusedWithTheReason(string input, string? defaultCountry, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => PhoneNumbers.Normalize(input, defaultCountry));
        Assert.Contains(reason, ex.Message);
        Assert.False(PhoneNumbers.TryNormalize(input, defaultCountry, out var e164, out var error));
        Assert.Equal("", e164);
        Assert.Equal(ex.Message, error);
    }
}
