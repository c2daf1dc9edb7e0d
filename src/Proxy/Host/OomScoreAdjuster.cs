using System.Globalization;

namespace Proxy.Host;

/// <summary>
/// oomScoreAdj, as upstream's ProxyServer.Run applies it at start: written to the process's own oom_score_adj, so
/// the kernel's OOM killer picks the proxy last (-999 by default). Lowering it needs CAP_SYS_RESOURCE; without it
/// upstream logs the failure at V(2) and carries on, and so does the caller here.
/// </summary>
public static class OomScoreAdjuster
{
    public const string SelfPath = "/proc/self/oom_score_adj";

    /// <summary>Null when written, else why not.</summary>
    public static string? Apply(int score, string path = SelfPath)
    {
        try
        {
            File.WriteAllText(path, score.ToString(CultureInfo.InvariantCulture));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
