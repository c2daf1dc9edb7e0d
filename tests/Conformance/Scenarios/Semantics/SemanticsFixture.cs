namespace Proxy.Conformance.Tests.Scenarios.Semantics;

/// <summary>Builds one <see cref="SemanticsWorld"/> per mode the first time a row of that mode needs it, and removes them all at the end.</summary>
public sealed class SemanticsFixture : IAsyncDisposable
{
    private readonly Dictionary<string, Task<SemanticsWorld>> worlds = [];
    private readonly Lock gate = new();

    public Task<SemanticsWorld> WorldAsync(string mode)
    {
        lock (gate)
        {
            if (!worlds.TryGetValue(mode, out var world))
            {
                worlds[mode] = world = SemanticsWorld.CreateAsync(mode);
            }
            return world;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var world in worlds.Values)
        {
            if (world.IsCompletedSuccessfully)
            {
                await world.Result.DisposeAsync();
            }
        }
    }
}
