namespace Proxy.Backends.Ipvs;

/// <summary>What an <see cref="IpvsOperation"/> does.</summary>
public enum IpvsOperationKind
{
    AddService,
    UpdateService,
    DeleteService,
    AddDestination,
    UpdateDestination,
    DeleteDestination,
}
