namespace Proxy.Core.Model;

/// <summary>The IP family of a <see cref="ProxyState"/>; each family is programmed separately, as upstream.</summary>
public enum IpFamily
{
    IPv4,
    IPv6,
}
