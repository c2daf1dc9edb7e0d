using System.Collections.Immutable;
using Proxy.Reconciling;

namespace Proxy.Sources;

/// <summary>
/// The offline source (--manifests DIR): every *.yaml / *.yml file directly in DIR, read in ordinal order.
/// Remembers the last good content of each file, so a file broken by an edit keeps its services programmed
/// (and its error reported) until it is fixed.
/// </summary>
public sealed class ManifestDirectory : IClusterSource, IDisposable
{
    private static readonly string[] Patterns = ["*.yaml", "*.yml"];

    private readonly Dictionary<string, ManifestFile> lastGood = new(StringComparer.Ordinal);

    /// <summary>
    /// What each file looked like when it was last parsed: an unchanged file is not read again, and its objects stay the
    /// same instances, which lets the incremental reconciler skip them.
    /// </summary>
    private readonly Dictionary<string, (DateTime Modified, long Length, ManifestFile Parsed)> parsed = new(StringComparer.Ordinal);

    private IDisposable? watcher;

    public ManifestDirectory(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    public string Description => Path;

    public event Action? Changed;

    /// <summary>Starts watching the directory; files are read at each <see cref="Read"/>.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (watcher is null && Directory.Exists(Path))
        {
            watcher = Watch(() => Changed?.Invoke());
        }
        return Task.CompletedTask;
    }

    public SourceSnapshot Read() => Reload();

    public void Dispose() => watcher?.Dispose();

    public SourceSnapshot Reload()
    {
        if (!Directory.Exists(Path))
        {
            return new SourceSnapshot(ClusterObjects.Empty, [$"{Path}: manifests directory does not exist"], Complete: false);
        }
        var files = Patterns.SelectMany(p => Directory.EnumerateFiles(Path, p)).Order(StringComparer.Ordinal).ToList();
        var errors = ImmutableArray.CreateBuilder<string>();
        var complete = true;
        var used = new List<ManifestFile>();
        foreach (var file in files)
        {
            var result = ReadIfChanged(file);
            if (result.Error is null)
            {
                lastGood[file] = result;
                used.Add(result);
                continue;
            }
            errors.Add(result.Error);
            if (lastGood.TryGetValue(file, out var previous))
            {
                used.Add(previous);
            }
            else
            {
                complete = false;
            }
        }
        foreach (var gone in lastGood.Keys.Except(files).ToList())
        {
            lastGood.Remove(gone);
        }
        foreach (var gone in parsed.Keys.Except(files).ToList())
        {
            parsed.Remove(gone);
        }
        var objects = new ClusterObjects(
            [.. used.SelectMany(f => f.Services)],
            [.. used.SelectMany(f => f.EndpointSlices)],
            [.. used.SelectMany(f => f.Nodes)]);
        return new SourceSnapshot(objects, errors.ToImmutable(), complete);
    }

    /// <summary>Calls <paramref name="changed"/> whenever a manifest file is written, created, renamed or deleted.</summary>
    public IDisposable Watch(Action changed)
    {
        var watcher = new FileSystemWatcher(Path) { IncludeSubdirectories = false };
        foreach (var pattern in Patterns)
        {
            watcher.Filters.Add(pattern);
        }
        watcher.Changed += (_, _) => changed();
        watcher.Created += (_, _) => changed();
        watcher.Deleted += (_, _) => changed();
        watcher.Renamed += (_, _) => changed();
        // An overflowed inotify queue loses events: treat it as "anything may have changed".
        watcher.Error += (_, _) => changed();
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    private ManifestFile ReadIfChanged(string file)
    {
        var info = new FileInfo(file);
        if (parsed.TryGetValue(file, out var last) && info.Exists && last.Modified == info.LastWriteTimeUtc && last.Length == info.Length)
        {
            return last.Parsed;
        }
        var result = ReadFile(file);
        if (info.Exists)
        {
            parsed[file] = (info.LastWriteTimeUtc, info.Length, result);
        }
        return result;
    }

    private static ManifestFile ReadFile(string file)
    {
        try
        {
            return ManifestParser.Parse(file, File.ReadAllText(file));
        }
        catch (IOException e)
        {
            return ManifestFile.Failed(file, $"{file}: cannot be read: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            return ManifestFile.Failed(file, $"{file}: cannot be read: {e.Message}");
        }
    }
}
