namespace Proxy.Netlink.Nftables;

/// <summary>
/// What a map element maps to: bytes (<see cref="Value"/>, NFTA_DATA_VALUE) or a verdict (<see cref="Verdict"/> with
/// <see cref="Chain"/> for goto and jump, NFTA_DATA_VERDICT).
/// </summary>
public sealed record SetElementData(byte[]? Value, SetElementVerdict Verdict = SetElementVerdict.Drop, string? Chain = null)
{
    public static SetElementData Bytes(byte[] value) => new(value);

    public static SetElementData Of(SetElementVerdict verdict, string? chain = null) => new(null, verdict, chain);
}
