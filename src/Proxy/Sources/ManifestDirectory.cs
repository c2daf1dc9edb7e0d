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
            var parsed = ReadFile(file);
            if (parsed.Error is null)
            {
                lastGood[file] = parsed;
                used.Add(parsed);
                continue;
            }
            errors.Add(parsed.Error);
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
