using System.Diagnostics;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>Waits for a condition with a deadline that only bounds a failing test: a passing one returns as soon as it holds.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"not {what} within {deadline}");
    }
}
