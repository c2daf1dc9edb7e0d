using System.Net;
using System.Text.Json;
using Proxy.Core.Model;

namespace Proxy.Backends.Testing;

/// <summary>
/// A <see cref="ProxyState"/> written as JSON for golden folders (model.json): IPs and endpoints as strings,
/// so the input reads like what it means.
/// </summary>
internal sealed record ModelFile(string Family, bool MasqueradeAll, string? ClusterCidr, List<ModelFile.Service> Services)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static ProxyState Load(string path)
    {
        var file = JsonSerializer.Deserialize<ModelFile>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty model");
        return file.ToState();
    }

    public ProxyState ToState() => ProxyState.Create(
        Enum.Parse<IpFamily>(Family),
        new MasqueradePolicy(MasqueradeAll, ClusterCidr is null ? null : IPNetwork.Parse(ClusterCidr)),
        Services.Select(s => new ServicePort(
            new ServicePortName(s.Namespace, s.Name, s.Port ?? "", Enum.Parse<L4Protocol>(s.Protocol ?? "Tcp", ignoreCase: true)),
            IPAddress.Parse(s.ClusterIP),
            s.ServicePort,
            s.NodePort,
            s.Endpoints.Select(e => IPEndPoint.Parse(e)).Select(e => new Endpoint(e.Address, e.Port, false)).Order().ToEquatableArray())));

    internal sealed record Service(string Namespace, string Name, string? Port, string? Protocol, string ClusterIP, int ServicePort, int NodePort, List<string> Endpoints);
}
