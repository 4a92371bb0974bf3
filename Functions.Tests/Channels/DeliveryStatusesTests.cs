using Functions.Channels;
using static Functions.Channels.DeliveryStatus;

namespace Functions.Tests.Channels;

public sealed class DeliveryStatusesTests
{
    [Theory]
    [InlineData(Queued, Sent, Sent)]
    [InlineData(Sent, Delivered, Delivered)]
    [InlineData(Delivered, Read, Read)]
    [InlineData(Queued, Read, Read)]          // a read callback that overtook the others
    [InlineData(Read, Delivered, Read)]       // a late delivered changes nothing
    [InlineData(Delivered, Sent, Delivered)]
    [InlineData(Sent, Sent, Sent)]            // a repeated callback changes nothing
    [InlineData(Sent, Failed, Failed)]
    [InlineData(Delivered, Failed, Failed)]   // undelivered reported late is the real outcome
    [InlineData(Read, Failed, Read)]          // but a read message was seen: nothing failed
    [InlineData(Failed, Delivered, Failed)]   // failed is final
    [InlineData(Failed, Read, Failed)]
    public void StatusesOnlyMoveForward(DeliveryStatus current, DeliveryStatus incoming, DeliveryStatus expected)
    {
        Assert.Equal(expected, DeliveryStatuses.Advance(current, incoming));
        Assert.Equal(expected != current, DeliveryStatuses.Changes(current, incoming));
    }
}
