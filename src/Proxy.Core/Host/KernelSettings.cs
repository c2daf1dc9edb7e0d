using Proxy.Core.Backends;

namespace Proxy.Core.Host;

/// <summary>Applies <see cref="KernelSetting"/>s: each parameter that differs is written, in order; the first that cannot be is a sync failure.</summary>
public static class KernelSettings
{
    /// <returns>The settings it wrote (the others already had their value).</returns>
    public static IReadOnlyList<KernelSetting> Ensure(ISysctl sysctl, IEnumerable<KernelSetting> settings)
    {
        var written = new List<KernelSetting>();
        foreach (var setting in settings)
        {
            var current = sysctl.Get(setting.Path);
            if (current == setting.Value)
            {
                continue;
            }
            if (current is null && setting.IfMissing is { } missing)
            {
                throw new ProxySyncException($"sysctl {setting.Path} does not exist: {missing}");
            }
            if (current is null)
            {
                continue;
            }
            try
            {
                sysctl.Set(setting.Path, setting.Value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var remedy = setting.IfFails is { } fix ? "; " + fix : "";
                throw new ProxySyncException($"cannot set {setting.Path.Replace('/', '.')}={setting.Value} ({setting.Why}): {e.Message}{remedy}", e);
            }
            written.Add(setting);
        }
        return written;
    }
}
