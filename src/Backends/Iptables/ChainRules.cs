namespace Proxy.Backends.Iptables;

/// <summary>
/// The full content of one chain we own: its table, its name, its rules (each the text after <c>-A CHAIN </c>,
/// written the way iptables-save prints it, packed), and the service port it belongs to (null for base chains).
/// </summary>
public sealed record ChainRules(string Table, string Chain, PackedRules Rules, string? Owner);
