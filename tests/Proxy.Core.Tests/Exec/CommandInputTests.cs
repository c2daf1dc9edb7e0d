using Proxy.Core.Exec;
using Proxy.Core.Model;

namespace Proxy.Core.Tests.Exec;

public sealed class CommandInputTests
{
    /// <summary>Lines cut across pieces anywhere, as a renderer's pieces fall: "-A ", chain, " ", rule, "\n".</summary>
    private static CommandInput Cut(params string[] pieces) => CommandInput.FromPieces(() => pieces.Select(p => p.AsMemory()));

    [Fact]
    public void TheTextIsThePiecesJoinedInOrder() =>
        Assert.Equal("*nat\n:KUBE-SVC-A - [0:0]\n-A KUBE-SVC-A -j KUBE-SEP-B\nCOMMIT\n", Cut("*nat\n", ":", "KUBE-SVC-A", " - [0:0]\n", "-A ", "KUBE-SVC-A", " ", "-j KUBE-SEP-B", "\n", "COMMIT\n").Text);

    [Theory]
    [InlineData(1, "*nat")]
    [InlineData(2, ":KUBE-SVC-A - [0:0]")]
    [InlineData(3, "-A KUBE-SVC-A -j KUBE-SEP-B")]
    [InlineData(4, "COMMIT")]
    [InlineData(5, null)]
    [InlineData(0, null)]
    public void ALineIsFoundAcrossPieces(int number, string? expected) =>
        Assert.Equal(expected, Cut("*n", "at\n:", "KUBE-SVC-A", " - [0:0]\n", "-A ", "KUBE-SVC-A", " ", "-j KUBE-SEP-B", "\nCOMMIT", "\n").Line(number));

    [Fact]
    public void ALastLineWithoutANewlineIsALine()
    {
        var input = Cut("add element ip kube-proxy s { 1 }\n", "add element ip kube-proxy s { 2 }");

        Assert.Equal("add element ip kube-proxy s { 2 }", input.Line(2));
        Assert.Null(input.Line(3));
    }

    [Fact]
    public void EachReadingProducesThePiecesAgain()
    {
        var produced = 0;
        var input = CommandInput.FromPieces(() =>
        {
            produced++;
            return ["COMMIT\n".AsMemory()];
        });

        Assert.Equal(0, produced);
        Assert.Equal("COMMIT\n", input.Text);
        var afterText = produced;
        Assert.Equal("COMMIT", input.Line(1));
        Assert.Equal(afterText + 1, produced);
    }

    [Fact]
    public void InputsAreEqualByTheirText_SoCommandsStayComparable()
    {
        var piecewise = new Command("nft", Arguments(), Cut("flush ", "ruleset\n"), ChangesKernel: true);
        var whole = new Command("nft", Arguments(), "flush ruleset\n", ChangesKernel: true);

        Assert.Equal(whole, piecewise);
        Assert.NotEqual(whole, whole with { Input = "flush table ip kube-proxy\n" });
        Assert.Equal("flush ruleset\n", piecewise.StandardInput);
        Assert.Null(Command.Read("nft", "list", "tables").StandardInput);
    }

    private static EquatableArray<string> Arguments() => EquatableArray.Create<string>(["-f", "-"]);
}
