namespace Proxy.Netlink.Tests;

public class NetlinkRepliesTests
{
    /// <summary>NLMSG_ERROR: header, the (negative) errno, then the header of the request it answers.</summary>
    private static byte[] Error(int code, uint sequence)
    {
        var request = new NetlinkWriter(0x22, 0x05, sequence).Generic(1, 1).ToArray()[..16];
        return [.. BitConverter.GetBytes(36u), .. BitConverter.GetBytes((ushort)2), 0, 0, .. BitConverter.GetBytes(sequence), 0, 0, 0, 0, .. BitConverter.GetBytes(code), .. request];
    }

    [Fact]
    public void AnErrorReplyBecomesATypedExceptionWithTheErrno()
    {
        var message = Assert.Single(NetlinkReplies.Split(Error(-17, 5)));

        var error = Assert.Throws<NetlinkException>(() => NetlinkReplies.ThrowIfError(message));

        Assert.Equal(17, error.Errno);
        Assert.Equal(5u, error.Sequence);
        Assert.Contains("EEXIST", error.Message);
    }

    [Fact]
    public void AnAckPasses() => NetlinkReplies.ThrowIfError(Assert.Single(NetlinkReplies.Split(Error(0, 6))));

    [Fact]
    public void SeveralMessagesInOneDatagramAreSplit()
    {
        byte[] done = [.. BitConverter.GetBytes(20u), 3, 0, 2, 0, .. BitConverter.GetBytes(9u), 0, 0, 0, 0, 0, 0, 0, 0];

        var messages = NetlinkReplies.Split((byte[])[.. Error(-3, 9), .. done]);

        Assert.Equal([(ushort)2, (ushort)3], messages.Select(m => m.Type));
        Assert.Equal(3, Assert.Throws<NetlinkException>(() => NetlinkReplies.ThrowIfError(messages[0])).Errno);
    }

    [Fact]
    public void ADumpThatEndsWithAnErrorIsAnError()
    {
        // NLMSG_DONE whose payload is -EINTR: netlink_dump_done reports a dump that failed part-way there.
        byte[] done = [.. BitConverter.GetBytes(20u), 3, 0, 2, 0, .. BitConverter.GetBytes(4u), 0, 0, 0, 0, .. BitConverter.GetBytes(-4)];

        var error = Assert.Throws<NetlinkException>(() => NetlinkReplies.ThrowIfError(Assert.Single(NetlinkReplies.Split(done))));

        Assert.Equal(NetlinkErrno.Interrupted, error.Code);
    }

    [Fact]
    public void ATruncatedMessageIsAnError() =>
        Assert.Throws<NetlinkException>(() => NetlinkReplies.Split(Error(-1, 1)[..30]));
}
