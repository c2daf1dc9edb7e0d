using System.Collections.Immutable;
using System.Net;

namespace Proxy.Cli;

/// <summary>The daemon's effective settings after flags are parsed; defaults as upstream kube-proxy.</summary>
public sealed record ProxyOptions
{
    public string ProxyMode { get; init; } = "iptables";

    public string? ManifestsDirectory { get; init; }

    public string? Kubeconfig { get; init; }

    public string? Master { get; init; }

    public string? HostnameOverride { get; init; }

    public ImmutableArray<IPNetwork> ClusterCidrs { get; init; } = [];

    public bool MasqueradeAll { get; init; }

    public int MasqueradeBit { get; init; } = 14;

    public TimeSpan MinSyncPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(30);

    public bool Cleanup { get; init; }

    public bool DryRun { get; init; }

    public bool Once { get; init; }

    public int Verbosity { get; init; }

    public bool Help { get; init; }
}
