namespace Proxy.Conformance.Tests.Scenarios;

/// <summary>Kernel scenarios run one at a time: they are CPU-bound process launches on a 2-core machine.</summary>
[CollectionDefinition(nameof(KernelCollection), DisableParallelization = true)]
public sealed class KernelCollection;
