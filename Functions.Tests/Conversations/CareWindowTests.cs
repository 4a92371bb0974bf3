using Functions.Conversations;

namespace Functions.Tests.Conversations;

public sealed class CareWindowTests
{
    private static readonly DateTimeOffset Monday9 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AConversationTheCustomerNeverOpenedIsClosed()
    {
        var window = new CareWindow();
        Assert.False(window.IsOpenAt(Monday9));
        Assert.Null(window.ExpiresAt);
        Assert.Equal(TimeSpan.Zero, window.RemainingAt(Monday9));
    }

    [Fact]
    public void ItIsOpenUntilJustBefore24HoursAfterTheLastCustomerMessageAndClosedAtExactly24()
    {
        var window = new CareWindow().WithCustomerMessage(Monday9);
        Assert.True(window.IsOpenAt(Monday9));
        Assert.True(window.IsOpenAt(Monday9.AddHours(24).AddTicks(-1)));
        Assert.False(window.IsOpenAt(Monday9.AddHours(24)));
        Assert.False(window.IsOpenAt(Monday9.AddHours(24).AddTicks(1)));
        Assert.Equal(Monday9.AddHours(24), window.ExpiresAt);
        Assert.Equal(TimeSpan.FromHours(1), window.RemainingAt(Monday9.AddHours(23)));
    }

    [Fact]
    public void EachCustomerMessageRenewsIt()
    {
        var window = new CareWindow().WithCustomerMessage(Monday9).WithCustomerMessage(Monday9.AddHours(20));
        Assert.True(window.IsOpenAt(Monday9.AddHours(30)));
        Assert.Equal(Monday9.AddHours(44), window.ExpiresAt);
    }

    [Fact]
    public void AnOlderCustomerMessageArrivingLateDoesNotShortenIt()
    {
        var window = new CareWindow().WithCustomerMessage(Monday9.AddHours(20)).WithCustomerMessage(Monday9);
        Assert.Equal(Monday9.AddHours(44), window.ExpiresAt);
    }

    [Fact]
    public void BusinessMessagesNeverExtendIt()
    {
        var window = new CareWindow().WithCustomerMessage(Monday9).WithBusinessMessage(Monday9.AddHours(23));
        Assert.Equal(Monday9.AddHours(24), window.ExpiresAt);
        Assert.False(window.IsOpenAt(Monday9.AddHours(25)));
    }

    [Fact]
    public void AReplyWithin24HoursToAnAdReferralOpensA72HourFreeEntryPointFromTheReply()
    {
        var window = new CareWindow().WithCustomerMessage(Monday9, viaReferral: true).WithBusinessMessage(Monday9.AddHours(3));
        Assert.Equal(Monday9.AddHours(3), window.FreeEntryPointOpenedAt);
        Assert.Equal(Monday9.AddHours(75), window.FreeEntryPointExpiresAt);
        Assert.True(window.IsFreeEntryPointAt(Monday9.AddHours(74)));
        Assert.False(window.IsFreeEntryPointAt(Monday9.AddHours(75)));

        // Free of charge is not the same as free-form: that still needs the 24-hour window.
        var state = window.StateAt(Monday9.AddHours(30));
        Assert.False(state.IsOpen);
        Assert.True(state.IsFreeEntryPoint);
    }

    [Fact]
    public void ALaterReplyOrNoReferralOpensNoFreeEntryPoint()
    {
        Assert.Null(new CareWindow().WithCustomerMessage(Monday9, viaReferral: true).WithBusinessMessage(Monday9.AddHours(24)).FreeEntryPointOpenedAt);
        Assert.Null(new CareWindow().WithCustomerMessage(Monday9).WithBusinessMessage(Monday9.AddHours(1)).FreeEntryPointOpenedAt);
    }

    [Fact]
    public void OnlyTheFirstQualifyingReplyOpensTheFreeEntryPoint()
    {
        var window = new CareWindow().WithCustomerMessage(Monday9, viaReferral: true)
            .WithBusinessMessage(Monday9.AddHours(1))
            .WithBusinessMessage(Monday9.AddHours(5));
        Assert.Equal(Monday9.AddHours(1), window.FreeEntryPointOpenedAt);
    }

    [Fact]
    public void TheStateCarriesTheCountdown()
    {
        var state = new CareWindow().WithCustomerMessage(Monday9).StateAt(Monday9.AddMinutes(90));
        Assert.Equal(new CareWindowState(true, Monday9.AddHours(24), TimeSpan.FromMinutes(22 * 60 + 30), false, null), state);
    }
}
