using System.Globalization;

namespace Proxy.Backends.Nftables;

/// <summary>Settings of nftables mode that are not part of the model.</summary>
public sealed record NftablesOptions
{
    /// <summary>nftables.masqueradeBit: the fwmark bit that marks packets for SNAT (14 → 0x4000, as upstream).</summary>
    public int MasqueradeBit { get; init; } = 14;

    public string MasqueradeMark => "0x" + (1u << MasqueradeBit).ToString("x", CultureInfo.InvariantCulture);
}
