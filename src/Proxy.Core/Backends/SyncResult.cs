namespace Proxy.Core.Backends;

/// <summary>What one sync did: whether it was full, and how many service ports and rules it wrote.</summary>
public sealed record SyncResult(bool Full, int ServicePorts, int ChangedServicePorts, int RulesWritten);
