namespace Proxy.Backends.Nftables;

/// <summary>The kernel refused an element batch: nothing of it was applied. The message names the set and the errno.</summary>
public sealed class NftElementsRefusedException(string message, Exception inner) : Exception(message, inner);
