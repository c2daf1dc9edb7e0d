using Proxy.Core.Model;

namespace Proxy.Core.Backends;

/// <summary>
/// What a backend last applied, per IP family, for its next partial sync; forgotten whenever a sync fails (the
/// kernel may then differ from it), which makes the next sync full. Used by one sync at a time.
/// </summary>
public sealed class AppliedStates<T>
    where T : class
{
    private readonly Dictionary<IpFamily, T> applied = [];

    public T? For(IpFamily family) => applied.GetValueOrDefault(family);

    public void Set(IpFamily family, T state) => applied[family] = state;

    /// <summary>Every family with what was last applied in it (what a drift check compares the kernel with).</summary>
    public IReadOnlyDictionary<IpFamily, T> All => applied;

    public void Forget() => applied.Clear();

    /// <summary>
    /// Whether <paramref name="lost"/> finds that the kernel lost what was applied in any family, asked family by family
    /// until one says so: a backend's drift check over what it remembers.
    /// </summary>
    public async Task<bool> AnyLostAsync(Func<IpFamily, T, Task<bool>> lost)
    {
        foreach (var (family, state) in applied.ToList())
        {
            if (await lost(family, state).ConfigureAwait(false))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Runs a sync; if it throws, forgets everything before rethrowing.</summary>
    public async Task<TResult> GuardAsync<TResult>(Func<Task<TResult>> sync)
    {
        try
        {
            return await sync().ConfigureAwait(false);
        }
        catch
        {
            applied.Clear();
            throw;
        }
    }
}
