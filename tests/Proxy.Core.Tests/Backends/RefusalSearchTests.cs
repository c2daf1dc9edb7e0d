using Proxy.Core.Backends;

namespace Proxy.Core.Tests.Backends;

public class RefusalSearchTests
{
    /// <summary>A tool that refuses any payload holding one of <paramref name="bad"/>, and counts its probes.</summary>
    private static Func<IReadOnlyList<int>, Task<string?>> Tool(int[] bad, List<int> probes) => items =>
    {
        probes.Add(items.Count);
        var first = items.FirstOrDefault(bad.Contains, -1);
        return Task.FromResult(first >= 0 ? $"refused {first}" : null);
    };

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 999 })]
    [InlineData(new[] { 5, 6, 700 })]
    public async Task FindsExactlyTheRefusedItems_WithTheirOwnErrors(int[] bad)
    {
        var probes = new List<int>();

        var found = await RefusalSearch.FindAsync([.. Enumerable.Range(0, 1000)], Tool(bad, probes));

        Assert.NotNull(found);
        Assert.Equal(bad, found.Select(f => f.Item));
        Assert.All(found, f => Assert.Equal($"refused {f.Item}", f.Reason));
        // Bisection, not one probe per item: about 2·log2(1000) per refused item, plus the empty and the whole payload.
        Assert.True(probes.Count <= 2 + (bad.Length * 2 * 10), $"{probes.Count} probes");
    }

    [Fact]
    public async Task WhenEvenAnEmptyPayloadIsRefused_NoItemIsBlamed()
    {
        var found = await RefusalSearch.FindAsync([1, 2, 3], _ => Task.FromResult<string?>("table busy"));

        Assert.Null(found);
    }
}
