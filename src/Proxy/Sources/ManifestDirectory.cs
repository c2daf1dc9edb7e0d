using System.Collections.Immutable;
using k8s;
using k8s.Models;
using Proxy.Kubernetes;
using Proxy.Reconciling;

namespace Proxy.Sources;

/// <summary>
/// The offline source (--manifests DIR): every *.yaml / *.yml file directly in DIR, read in ordinal order.
/// Remembers the last good content of each file, so a file broken by an edit keeps its services programmed
/// (and its error reported) until it is fixed. Each read reports to the <see cref="ChangeTracker"/> every Service
/// and EndpointSlice that was added, changed or removed since the previous read, as the live source reports
/// informer events, so the change metrics and network programming latency work offline too.
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

    private readonly ChangeTracker tracker;

    /// <summary>The objects of the previous read by namespace/name, to tell the tracker what differs in the next.</summary>
    private Dictionary<string, V1Service> reportedServices = new(StringComparer.Ordinal);

    private Dictionary<string, V1EndpointSlice> reportedSlices = new(StringComparer.Ordinal);

    private IDisposable? watcher;

    public ManifestDirectory(string path, ChangeTracker tracker)
    {
        Path = System.IO.Path.GetFullPath(path);
        this.tracker = tracker;
    }

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
            [.. used.SelectMany(f => f.Nodes)])
        {
            ServiceCIDRs = [.. used.SelectMany(f => f.ServiceCIDRs)],
        };
        reportedServices = Report(reportedServices, objects.Services, (s, _) => tracker.ServiceChanged(s));
        reportedSlices = Report(reportedSlices, objects.EndpointSlices, tracker.EndpointSliceChanged);
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

    /// <summary>
    /// Tells <paramref name="changed"/> about each object that is new, differs from its previous version, or is gone
    /// (true); returns the objects by key for the next read. Objects of files that were not parsed again are the same
    /// instances and cost nothing; a re-parsed file's objects are compared by content, so an edit reports only what it
    /// changed. As in an informer's cache, a key given twice keeps its last object; and as the live source's label
    /// selector (upstream's), objects of another proxy or of a headless Service are not followed at all.
    /// </summary>
    private static Dictionary<string, T> Report<T>(Dictionary<string, T> previous, ImmutableArray<T> current, Action<T, bool> changed)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var next = new Dictionary<string, T>(current.Length, StringComparer.Ordinal);
        foreach (var item in current)
        {
            if (item.Labels() is not { } labels
                || !(labels.ContainsKey(KubernetesNames.ServiceProxyNameLabel) || labels.ContainsKey(KubernetesNames.HeadlessLabel)))
            {
                next[$"{item.Namespace() ?? "default"}/{item.Name()}"] = item;
            }
        }
        foreach (var (key, item) in next)
        {
            if (!previous.TryGetValue(key, out var old) || !SameContent(old, item))
            {
                changed(item, false);
            }
        }
        foreach (var (key, old) in previous)
        {
            if (!next.ContainsKey(key))
            {
                changed(old, true);
            }
        }
        return next;
    }

    private static bool SameContent<T>(T a, T b)
        where T : class =>
        ReferenceEquals(a, b) || KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b);

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
