namespace Proxy.Backends.Nftables;

/// <summary>What a transaction line does to an object.</summary>
public enum NftVerb
{
    Add,
    Delete,
    Flush,
}
