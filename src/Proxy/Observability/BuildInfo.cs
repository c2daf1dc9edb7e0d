using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Prometheus;

namespace Proxy.Observability;

/// <summary>
/// What this build is, for --version and for upstream's kubernetes_build_info gauge (same name and labels, so
/// dashboards that show components' versions show this one): our version, and the .NET runtime where upstream names
/// its Go release. --version=vX.Y.Z replaces the version reported, as upstream's verflag does.
/// </summary>
public sealed record BuildInfo(string GitVersion, string GitCommit, string Runtime, string Platform)
{
    /// <summary>This assembly's version (its informational version, "+commit" split off when the SDK added one).</summary>
    public static BuildInfo Current(string? versionOverride = null)
    {
        var informational = typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var (version, commit) = plus >= 0 ? (informational[..plus], informational[(plus + 1)..]) : (informational, "");
        var architecture = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            var other => other.ToString().ToLowerInvariant(),
        };
        return new BuildInfo(versionOverride ?? "v" + version, commit, $".NET {Environment.Version}", $"{(OperatingSystem.IsLinux() ? "linux" : RuntimeInformation.OSDescription.ToLowerInvariant())}/{architecture}");
    }

    public string Major => Part(0);

    public string Minor => Part(1);

    /// <summary>--version's line.</summary>
    public override string ToString() => $"kube-proxy-sharp {GitVersion}";

    /// <summary>--version=raw: every field, one per line.</summary>
    public string Raw() =>
        $"version.Info{{Major:\"{Major}\", Minor:\"{Minor}\", GitVersion:\"{GitVersion}\", GitCommit:\"{GitCommit}\", Runtime:\"{Runtime}\", Platform:\"{Platform}\"}}";

    /// <summary>kubernetes_build_info{...} 1.</summary>
    public void Register(IMetricFactory factory) =>
        factory.CreateGauge("kubernetes_build_info",
                "A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.",
                ["build_date", "compiler", "git_commit", "git_tree_state", "git_version", "go_version", "major", "minor", "platform"])
            .WithLabels("", "dotnet", GitCommit, "", GitVersion, Runtime, Major, Minor, Platform)
            .Set(1);

    private string Part(int index)
    {
        var parts = GitVersion.TrimStart('v').Split('.', '-');
        return parts.Length > index && int.TryParse(parts[index], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : "";
    }
}
