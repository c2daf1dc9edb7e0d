using System.Net;

namespace Proxy.Core.Model;

/// <summary>
/// One service port of one IP family, already resolved for this node: its destinations, its two endpoint sets and how
/// internal and external traffic use them. Everything a backend programs is here; nothing is left for a backend to
/// decide about Kubernetes semantics. The defaults are those of a plain ClusterIP service with Cluster policies.
/// </summary>
public sealed record ServicePort(ServicePortName Name, IPAddress ClusterIP, int Port)
{
    public L4Protocol Protocol => Name.Protocol;

    /// <summary>0 when the service has none (type ClusterIP, or allocateLoadBalancerNodePorts: false).</summary>
    public int NodePort { get; init; }

    /// <summary>spec.externalIPs of this family.</summary>
    public EquatableArray<IPAddress> ExternalIPs { get; init; } = EquatableArray<IPAddress>.Empty;

    /// <summary>status.loadBalancer.ingress IPs of this family whose ipMode is VIP or unset (Proxy ones are not captured).</summary>
    public EquatableArray<IPAddress> LoadBalancerIPs { get; init; } = EquatableArray<IPAddress>.Empty;

    /// <summary>
    /// The sources allowed to reach <see cref="LoadBalancerIPs"/> (never node ports or external IPs): this family's
    /// loadBalancerSourceRanges, followed by the load-balancer IPs themselves when a range holds the node's IP (a
    /// node reaching its own VIP-like load balancer loops back with the VIP as source). Empty: every source.
    /// </summary>
    public EquatableArray<IPNetwork> LoadBalancerSourceRanges { get; init; } = EquatableArray<IPNetwork>.Empty;

    /// <summary>The cluster endpoint set; empty when no traffic of this port uses it. Ordered.</summary>
    public EquatableArray<Endpoint> ClusterEndpoints { get; init; } = EquatableArray<Endpoint>.Empty;

    /// <summary>The local endpoint set; empty when no traffic of this port uses it. Ordered.</summary>
    public EquatableArray<Endpoint> LocalEndpoints { get; init; } = EquatableArray<Endpoint>.Empty;

    /// <summary>
    /// Every serving endpoint of the port (ready, or serving while terminating), wherever it runs and whatever topology
    /// and traffic policies say: the endpoints a flow to this port may have been sent to and may keep going to.
    /// Conntrack cleanup keeps flows whose reply comes from one of these and deletes the rest (upstream's
    /// CleanStaleEntries, which uses IsServing and deliberately ignores policies and topology, so a UDP flow outlives a
    /// Service change as a TCP connection does). Ordered.
    /// </summary>
    public EquatableArray<Endpoint> ServingEndpoints { get; init; } = EquatableArray<Endpoint>.Empty;

    /// <summary>Traffic to the cluster IP.</summary>
    public TrafficRoute Internal { get; init; } = TrafficRoute.Cluster;

    /// <summary>Traffic to the node port, external IPs and load-balancer IPs.</summary>
    public TrafficRoute External { get; init; } = TrafficRoute.ClusterMasqueraded;

    /// <summary>sessionAffinity: ClientIP, or null.</summary>
    public ClientIPAffinity? Affinity { get; init; }

    /// <summary>The service's healthCheckNodePort (TCP, served by the daemon), or 0.</summary>
    public int HealthCheckNodePort { get; init; }

    /// <summary>Reachable from outside the cluster network: a node port, an external IP or a load-balancer IP.</summary>
    public bool IsExternallyAccessible => NodePort != 0 || ExternalIPs.Count > 0 || LoadBalancerIPs.Count > 0;

    /// <summary>
    /// Whether the service has a usable endpoint anywhere in the cluster (upstream's hasEndpoints): one of the sets is
    /// not empty, or a Local policy found none here but the reconciler saw some elsewhere (its verdict is Drop).
    /// </summary>
    public bool HasEndpoints =>
        ClusterEndpoints.Count > 0 || LocalEndpoints.Count > 0 || Internal.WhenEmpty == EmptyVerdict.Drop || External.WhenEmpty == EmptyVerdict.Drop;

    /// <summary>The features this port uses, for backends that do not render them all.</summary>
    public ServiceFeatures Features =>
        (ExternalIPs.Count > 0 ? ServiceFeatures.ExternalIPs : 0)
        | (LoadBalancerIPs.Count > 0 ? ServiceFeatures.LoadBalancerIPs : 0)
        | (LoadBalancerIPs.Count > 0 && LoadBalancerSourceRanges.Count > 0 ? ServiceFeatures.LoadBalancerSourceRanges : 0)
        | (Internal.Endpoints == EndpointSetKind.Local ? ServiceFeatures.InternalTrafficPolicyLocal : 0)
        | (External.Endpoints == EndpointSetKind.Local ? ServiceFeatures.ExternalTrafficPolicyLocal : 0)
        | (Affinity is not null ? ServiceFeatures.ClientIPAffinity : 0);

    public EquatableArray<Endpoint> EndpointsOf(EndpointSetKind set) => set == EndpointSetKind.Cluster ? ClusterEndpoints : LocalEndpoints;

    /// <summary>The endpoints <paramref name="route"/> sends to (empty: <see cref="TrafficRoute.WhenEmpty"/> applies).</summary>
    public EquatableArray<Endpoint> EndpointsOf(TrafficRoute route) => EndpointsOf(route.Endpoints);

    /// <summary>
    /// Hashed by identity only (name, cluster IP, port): equal ports still hash alike, and hashing a state's 10k ports,
    /// which every new <see cref="ProxyState"/> does (<see cref="EquatableArray{T}"/>), stays a few names and addresses
    /// each instead of every field, endpoint sets included. Equality still compares every field.
    /// </summary>
    public override int GetHashCode() => HashCode.Combine(Name, ClusterIP, Port);

    /// <summary>Every endpoint of either set, once each, in order: the ones this node may DNAT to.</summary>
    public IReadOnlyList<Endpoint> ReachableEndpoints =>
        LocalEndpoints.Count == 0 ? ClusterEndpoints : ClusterEndpoints.Concat(LocalEndpoints).Distinct().Order().ToList();
}
