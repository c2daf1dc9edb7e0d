using System.Collections.Immutable;
using k8s.Models;
using Proxy.Core.Model;
using Destination = Proxy.Reconciling.DestinationConflicts.Destination;

namespace Proxy.Reconciling;

/// <summary>
/// <see cref="Reconciler.Assemble"/> with memory, for <see cref="IncrementalReconciler"/>: each Service's share of the
/// model (its ports once destination conflicts are decided, and its conflict warnings) is kept, and a call redoes only
/// the Services it is told changed, plus every Service linked to one of them through a destination some of them claim (claims interact only there: <see cref="DestinationConflicts.Resolve"/>); it moves
/// only their ports in each family's sorted list. The result equals Assemble's for the same programs, warnings in the
/// same order (IncrementalReconcilerTests compares them after sequences of changes). Service keys must be unique (the
/// caller uses Assemble otherwise). Not thread-safe: one sync at a time.
/// </summary>
internal sealed class IncrementalAssembly
{
    /// <summary>Above this many Services to redo (the first call, a resync of many), each family is sorted afresh.</summary>
    private const int EditLimit = 64;

    private static readonly IComparer<ServicePort> ByName = Comparer<ServicePort>.Create((a, b) => a.Name.CompareTo(b.Name));

    private readonly Dictionary<(string, string), Share> shares = [];

    /// <summary>Every destination claimed, granted or not, with the Services claiming it (usually one).</summary>
    private readonly Dictionary<Destination, List<(string, string)>> claimants = [];

    /// <summary>Each family's granted ports in canonical (name) order: unique names, as each Service's own are.</summary>
    private readonly Dictionary<IpFamily, List<ServicePort>> sorted = new() { [IpFamily.IPv4] = [], [IpFamily.IPv6] = [] };

    private readonly Dictionary<IpFamily, EquatableArray<ServicePort>> published = new()
    {
        [IpFamily.IPv4] = EquatableArray<ServicePort>.Empty,
        [IpFamily.IPv6] = EquatableArray<ServicePort>.Empty,
    };

    /// <summary>The Services that lost a destination: their warnings come after every program's, oldest first.</summary>
    private readonly HashSet<(string, string)> warned = [];

    private ImmutableArray<ServiceHealthCheck> healthChecks = [];

    /// <param name="programs">Every Service's program, in the order of the Services (the order of their warnings).</param>
    /// <param name="changes">The Services whose program is new or another instance since the last call (null: gone).</param>
    public ReconcileResult Assemble(
        IEnumerable<Reconciler.ServiceProgram> programs,
        IReadOnlyList<((string, string) Key, Reconciler.ServiceProgram? Program)> changes,
        IReadOnlyDictionary<IpFamily, NodeNetwork> networks,
        IEnumerable<V1ServiceCIDR> serviceCidrs,
        List<string> warnings)
    {
        if (changes.Count > 0)
        {
            Apply(changes);
        }
        foreach (var program in programs)
        {
            warnings.AddRange(program.Warnings);
        }
        foreach (var key in warned.OrderBy(k => shares[k], Share.ByAge))
        {
            warnings.AddRange(shares[key].ConflictWarnings);
        }
        var cidrs = ServiceCidrReader.Read(serviceCidrs, warnings);
        ProxyState State(IpFamily family) => new ProxyState(family, networks[family], published[family]) with { ServiceCIDRs = cidrs[family] };
        return new ReconcileResult(State(IpFamily.IPv4), State(IpFamily.IPv6), [.. warnings]) { HealthChecks = healthChecks };
    }

    private void Apply(IReadOnlyList<((string, string) Key, Reconciler.ServiceProgram? Program)> changes)
    {
        var touched = new HashSet<Destination>();
        var redo = new List<(string, string)>();
        var redoing = new HashSet<(string, string)>();
        var withdrawn = new List<ServicePort>();
        var healthChanged = false;
        foreach (var (key, program) in changes)
        {
            if (shares.GetValueOrDefault(key) is { } old)
            {
                foreach (var destination in old.Claims)
                {
                    Unregister(destination, key);
                    touched.Add(destination);
                }
                withdrawn.AddRange(old.Kept);
                warned.Remove(key);
                shares.Remove(key);
                healthChanged |= old.Program.HealthCheck is not null;
            }
            if (program is not null)
            {
                var share = new Share(program);
                shares[key] = share;
                foreach (var destination in share.Claims)
                {
                    Register(destination, key);
                    touched.Add(destination);
                }
                redoing.Add(key);
                redo.Add(key);
                healthChanged |= program.HealthCheck is not null;
            }
        }

        // A Service sharing a destination with a changed one may win or lose it now, and then claim (or not) the rest
        // of its destinations: everything reachable through shared destinations is decided again, together.
        var pending = new Queue<Destination>(touched);
        while (pending.TryDequeue(out var destination))
        {
            foreach (var key in claimants.GetValueOrDefault(destination, []))
            {
                if (!redoing.Add(key))
                {
                    continue;
                }
                redo.Add(key);
                var linked = shares[key];
                withdrawn.AddRange(linked.Kept);
                foreach (var next in linked.Claims)
                {
                    if (touched.Add(next))
                    {
                        pending.Enqueue(next);
                    }
                }
            }
        }

        var ports = new List<ServicePort>();
        var owners = new List<Share>();
        var created = new Dictionary<(string, string), DateTime?>();
        foreach (var key in redo)
        {
            var share = shares[key];
            foreach (var port in share.Program.Ports)
            {
                ports.Add(port);
                owners.Add(share);
            }
            if (share.Program.Ports.Length > 0)
            {
                created.TryAdd((share.Program.Ports[0].Name.Namespace, share.Program.Ports[0].Name.Name), share.Program.Created);
            }
            share.Kept.Clear();
            share.ConflictWarnings.Clear();
        }
        var resolution = DestinationConflicts.Resolve(ports, created);
        for (var i = 0; i < ports.Count; i++)
        {
            if (resolution.Kept[i] is { } kept)
            {
                owners[i].Kept.Add(kept);
            }
        }
        foreach (var (index, text) in resolution.Warnings)
        {
            owners[index].ConflictWarnings.Add(text);
        }
        foreach (var key in redo)
        {
            if (shares[key].ConflictWarnings.Count > 0)
            {
                warned.Add(key);
            }
            else
            {
                warned.Remove(key);
            }
        }

        Publish(redo.Count <= EditLimit ? withdrawn : null, redo);
        if (healthChanged)
        {
            healthChecks = ServiceHealthCheck.InNameOrder(shares.Values.Select(s => s.Program.HealthCheck).OfType<ServiceHealthCheck>());
        }
    }

    /// <summary>
    /// Takes <paramref name="withdrawn"/> out of the family lists and puts the redone Services' ports in, each at its
    /// place; or, when there are too many (null), sorts every family afresh from all the shares.
    /// </summary>
    private void Publish(List<ServicePort>? withdrawn, List<(string, string)> redo)
    {
        var changed = new HashSet<IpFamily>();
        if (withdrawn is null)
        {
            foreach (var (family, list) in sorted)
            {
                list.Clear();
                changed.Add(family);
            }
            foreach (var share in shares.Values)
            {
                foreach (var port in share.Kept)
                {
                    sorted[port.ClusterIP.Family()].Add(port);
                }
            }
            foreach (var list in sorted.Values)
            {
                list.Sort(ByName);
            }
        }
        else
        {
            foreach (var port in withdrawn)
            {
                var list = sorted[port.ClusterIP.Family()];
                var at = list.BinarySearch(port, ByName);
                if (at < 0 || !ReferenceEquals(list[at], port))
                {
                    throw new InvalidOperationException($"IncrementalAssembly: {port.Name} was not where it was published");
                }
                list.RemoveAt(at);
                changed.Add(port.ClusterIP.Family());
            }
            foreach (var key in redo)
            {
                foreach (var port in shares[key].Kept)
                {
                    var list = sorted[port.ClusterIP.Family()];
                    var at = list.BinarySearch(port, ByName);
                    if (at >= 0)
                    {
                        throw new InvalidOperationException($"IncrementalAssembly: {port.Name} is there twice");
                    }
                    list.Insert(~at, port);
                    changed.Add(port.ClusterIP.Family());
                }
            }
        }
        foreach (var family in changed)
        {
            published[family] = sorted[family].ToImmutableArray();
        }
    }

    private void Register(Destination destination, (string, string) key)
    {
        if (!claimants.TryGetValue(destination, out var list))
        {
            claimants[destination] = list = new List<(string, string)>(1);
        }
        list.Add(key);
    }

    private void Unregister(Destination destination, (string, string) key)
    {
        var list = claimants[destination];
        list.Remove(key);
        if (list.Count == 0)
        {
            claimants.Remove(destination);
        }
    }

    /// <summary>One Service's share: its program, what it claims, and what it was granted.</summary>
    private sealed class Share(Reconciler.ServiceProgram program)
    {
        /// <summary>Oldest first, as <see cref="DestinationConflicts"/> decides: creationTimestamp, then namespace and name.</summary>
        public static readonly IComparer<Share> ByAge = Comparer<Share>.Create((a, b) =>
            DestinationConflicts.CompareAge(a.Program.Created, a.Program.Ports[0].Name, b.Program.Created, b.Program.Ports[0].Name));

        public Reconciler.ServiceProgram Program { get; } = program;

        /// <summary>Each destination once: a Service claiming one twice is linked to itself only.</summary>
        public Destination[] Claims { get; } = [.. program.Ports.SelectMany(DestinationConflicts.Claims).Distinct()];

        public List<ServicePort> Kept { get; } = [];

        public List<string> ConflictWarnings { get; } = [];
    }
}
