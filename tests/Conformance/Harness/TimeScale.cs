namespace Proxy.Conformance.Tests.Harness;

/// <summary>
/// How much slower than a real node this machine runs the proxy: KP_TIME_SCALE (default 1). The IPVS VM emulates its
/// CPU in software (QEMU TCG), where starting .NET and each kernel tool is about ten times slower, so it sets 10.
/// Deadlines of behaviour (not performance figures, which only benchmarks measure) are multiplied by it.
/// </summary>
public static class TimeScale
{
    public static double Factor { get; } =
        double.TryParse(Environment.GetEnvironmentVariable("KP_TIME_SCALE"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f) && f >= 1 ? f : 1;

    public static TimeSpan Of(TimeSpan deadline) => deadline * Factor;
}
