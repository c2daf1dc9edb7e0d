using System.Text;
using Proxy.Input;

namespace Proxy.Tests.Input;

public sealed class BoundedFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-bounded-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string PathOf(string name) => Path.Combine(dir, name);

    [Fact]
    public void ReadsARegularFileAndOneALinkPointsTo_WithoutAByteOrderMark()
    {
        File.WriteAllBytes(PathOf("a.yaml"), [.. "\uFEFF"u8, .. "kind: Service\n"u8]);
        File.CreateSymbolicLink(PathOf("link.yaml"), PathOf("a.yaml"));

        Assert.Equal("kind: Service\n", BoundedFile.ReadText(PathOf("a.yaml"), out var error));
        Assert.Null(error);
        Assert.Equal("kind: Service\n", BoundedFile.ReadText(PathOf("link.yaml"), out _));
    }

    [Fact]
    public async Task AFifoIsRefusedAtOnce_NeverWaitedOn()
    {
        Fifo.Make(PathOf("fifo.yaml"));

        // A blocked open would never return: the wait gives up (TimeoutException) instead of hanging the suite.
        var (text, error) = await Task.Run(() => (BoundedFile.ReadText(PathOf("fifo.yaml"), out var error), error), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.Null(text);
        Assert.Equal($"{PathOf("fifo.yaml")}: is a FIFO, not a regular file; not read", error);
    }

    [Theory]
    [InlineData("/dev/zero", "is a character device")]
    [InlineData("/dev/null", "is a character device")]
    [InlineData("/tmp", "is a directory")]
    public void DevicesAndDirectoriesAreRefused_EvenThroughALink(string target, string expected)
    {
        File.CreateSymbolicLink(PathOf("x.yaml"), target);

        Assert.Null(BoundedFile.ReadText(PathOf("x.yaml"), out var error));
        Assert.Equal($"{PathOf("x.yaml")}: {expected}, not a regular file; not read", error);
    }

    [Fact]
    public void AFileLargerThanTheLimitIsRefused()
    {
        File.WriteAllText(PathOf("big.yaml"), new string('#', 1001));
        File.WriteAllText(PathOf("fits.yaml"), new string('#', 1000));

        Assert.Null(BoundedFile.ReadText(PathOf("big.yaml"), out var error, maxBytes: 1000));
        Assert.Equal($"{PathOf("big.yaml")}: is larger than 1000 bytes (1001); not read", error);
        Assert.Equal(1000, BoundedFile.ReadText(PathOf("fits.yaml"), out _, maxBytes: 1000)!.Length);
    }

    [Fact]
    public void TextThatIsNotUtf8IsRefused()
    {
        File.WriteAllBytes(PathOf("latin1.yaml"), Encoding.Latin1.GetBytes("name: caf\u00e9\n"));

        Assert.Null(BoundedFile.ReadText(PathOf("latin1.yaml"), out var error));
        Assert.Equal($"{PathOf("latin1.yaml")}: is not UTF-8 text; not read", error);
    }

    [Fact]
    public void AMissingFileNamesTheFileAndTheReason()
    {
        Assert.Null(BoundedFile.ReadText(PathOf("missing.yaml"), out var error));
        Assert.Equal($"{PathOf("missing.yaml")}: cannot be read: No such file or directory", error);
    }
}
