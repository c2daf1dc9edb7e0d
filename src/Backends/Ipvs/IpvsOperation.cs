namespace Proxy.Backends.Ipvs;

/// <summary>One planned IPVS change; <see cref="ToString"/> reads like an ipvsadm command line, for logs and tests.</summary>
public sealed record IpvsOperation(IpvsOperationKind Kind, IpvsVirtualServer Service, IpvsRealServer? Destination = null)
{
    public void ApplyTo(IIpvsClient client)
    {
        switch (Kind)
        {
            case IpvsOperationKind.AddService:
                client.AddService(Service);
                break;
            case IpvsOperationKind.UpdateService:
                client.UpdateService(Service);
                break;
            case IpvsOperationKind.DeleteService:
                client.DeleteService(Service);
                break;
            case IpvsOperationKind.AddDestination:
                client.AddDestination(Service, Destination!);
                break;
            case IpvsOperationKind.UpdateDestination:
                client.UpdateDestination(Service, Destination!);
                break;
            case IpvsOperationKind.DeleteDestination:
                client.DeleteDestination(Service, Destination!);
                break;
        }
    }

    /// <summary>The scheduler, and persistence as ipvsadm's <c>-p</c> spells it.</summary>
    private string Settings => (Service.Flags & IpvsVirtualServer.PersistentFlag) != 0 ? $"{Service.Scheduler} -p {Service.Timeout}" : Service.Scheduler;

    public override string ToString()
    {
        var service = $"{Service.Protocol.ToString().ToLowerInvariant()} {new System.Net.IPEndPoint(Service.Address, Service.Port)}";
        return Kind switch
        {
            IpvsOperationKind.AddService => $"add-service {service} {Settings}",
            IpvsOperationKind.UpdateService => $"update-service {service} {Settings}",
            IpvsOperationKind.DeleteService => $"delete-service {service}",
            _ => $"{Kind switch { IpvsOperationKind.AddDestination => "add", IpvsOperationKind.UpdateDestination => "update", _ => "delete" }}-destination {service} "
                + $"-> {new System.Net.IPEndPoint(Destination!.Address, Destination.Port)}" + (Kind == IpvsOperationKind.DeleteDestination ? "" : $" weight {Destination.Weight}"),
        };
    }
}
