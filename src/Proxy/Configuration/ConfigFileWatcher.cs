namespace Proxy.Configuration;

/// <summary>
/// Watches the --config file and reports, once, that its content changed, so that the process exits and restarts
/// with it, as upstream's options.go does (there: a write or rename of the file). The directory is watched rather
/// than the file, since a ConfigMap volume replaces a file by swapping its "..data" link; what counts is the content,
/// so an event that changed nothing (a touch, a rewrite of the same text) is ignored. The content is read once the
/// events have been quiet for <see cref="Settle"/>: a writer truncates before it writes, and the empty file between
/// the two is not a configuration.
/// </summary>
public sealed class ConfigFileWatcher : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    private readonly string path;
    private readonly string loaded;
    private readonly Action changed;
    private readonly FileSystemWatcher watcher;
    private readonly Timer settled;
    private int reported;

    /// <param name="loaded">The text the configuration was read from.</param>
    /// <param name="changed">Called once, from a watcher thread, when the file's text differs from <paramref name="loaded"/>.</param>
    public ConfigFileWatcher(string path, string loaded, Action changed)
    {
        this.path = Path.GetFullPath(path);
        this.loaded = loaded;
        this.changed = changed;
        watcher = new FileSystemWatcher(Path.GetDirectoryName(this.path)!)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        settled = new Timer(_ => Check());
        watcher.Changed += (_, _) => Restart();
        watcher.Created += (_, _) => Restart();
        watcher.Deleted += (_, _) => Restart();
        watcher.Renamed += (_, _) => Restart();
        watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        watcher.Dispose();
        settled.Dispose();
    }

    private void Restart() => settled.Change(Settle, Timeout.InfiniteTimeSpan);

    private void Check()
    {
        // Bounded as the start's read is; gone or unreadable (null) is a change too: upstream exits on the rename that removes it.
        var now = Input.BoundedFile.ReadText(path, out _);
        if (now != loaded && Interlocked.Exchange(ref reported, 1) == 0)
        {
            changed();
        }
    }
}
