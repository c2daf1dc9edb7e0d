namespace Proxy.Backends.Iptables;

/// <summary>
/// The two kernel backends of the iptables tools: the same rules, kept in x_tables (<c>iptables-legacy-*</c>) or in
/// nf_tables tables that the tools translate to (<c>iptables-nft-*</c>). A node uses one; rules in the other are
/// invisible to it, so every writer on a node must pick the same.
/// </summary>
public enum IptablesVariant
{
    /// <summary>nf_tables (<c>iptables-nft-restore</c>): Debian's and most distributions' default since 2019.</summary>
    Nft,

    /// <summary>x_tables (<c>iptables-legacy-restore</c>).</summary>
    Legacy,
}
