using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Testing;

/// <summary>
/// The cluster the refused-service-port tests of every mode sync: forty one-endpoint services ns/svc000..svc039, port
/// i at 10.96.0.(i+1) with its endpoint at 10.244.i.host, so a test can make one of them refused by name or address.
/// </summary>
internal static class RefusalCluster
{
    public static ServicePort Service(int i, int host = 1) => TestModel.Port(
        new ServicePortName("ns", $"svc{i:D3}", "http", L4Protocol.Tcp), IPAddress.Parse($"10.96.0.{i + 1}"), 80, 0,
        [new Endpoint(IPAddress.Parse($"10.244.{i}.{host}"), 8080, false)]);

    public static IReadOnlyList<ProxyState> States(IEnumerable<ServicePort> services) =>
        [ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), services)];

    public static List<ServicePort> Forty() => [.. Enumerable.Range(0, 40).Select(i => Service(i))];
}
