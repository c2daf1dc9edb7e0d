using System.Collections.Immutable;
using k8s;
using k8s.Models;
using Proxy.Input;
using Proxy.Kubernetes;
using Proxy.Reconciling;
using Proxy.Validation;

namespace Proxy.Sources;

/// <summary>
/// The offline source (--manifests DIR): every *.yaml / *.yml file directly in DIR, read in ordinal order.
/// Remembers the last good content of each file, so a file broken by an edit keeps its services programmed
/// (and its error reported) until it is fixed. Each read reports to the <see cref="ChangeTracker"/> every Service
/// and EndpointSlice that was added, changed or removed since the previous read, as the live source reports
/// informer events, so the change metrics and network programming latency work offline too.
/// </summary>
/// <remarks>
/// Nothing a file holds stops the others from being used: a file that cannot be read (not a regular file, too
/// large, not UTF-8, an I/O error) is reported and skipped, a broken document is reported and the others of its
/// file are used; while a file that was good has errors, the objects of its last good version that it no longer gives
/// are kept (the broken part may be one of them). Only a directory that cannot be listed makes the view incomplete.
/// An object defined twice keeps its last definition, as kubectl apply and an informer's cache do, with a warning
/// naming both places.
/// </remarks>
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

    /// <summary>Why the directory is not watched (changes are then seen at the next periodic sync), or null.</summary>
    private string? watchError;

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
            try
            {
                watcher = Watch(() => Changed?.Invoke());
                watchError = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // Out of inotify watches or instances, say: the periodic sync still reads the directory.
                watchError = $"{Path}: cannot watch for changes ({e.Message}); it is read again at every sync period";
            }
        }
        return Task.CompletedTask;
    }

    public SourceSnapshot Read() => Reload();

    public void Dispose() => watcher?.Dispose();

    public SourceSnapshot Reload()
    {
        List<string> files;
        try
        {
            if (!Directory.Exists(Path))
            {
                var why = File.Exists(Path) ? "is not a directory" : "manifests directory does not exist";
                return new SourceSnapshot(ClusterObjects.Empty, [$"{Path}: {why}"], Complete: false);
            }
            files = Patterns.SelectMany(p => Directory.EnumerateFiles(Path, p)).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SourceSnapshot(ClusterObjects.Empty, [$"{Path}: cannot list the manifests directory: {e.Message}"], Complete: false);
        }
        var errors = ImmutableArray.CreateBuilder<string>();
        if (watchError is not null)
        {
            errors.Add(watchError);
        }
        var used = new List<ManifestFile>();
        foreach (var file in files)
        {
            var result = ReadIfChanged(file);
            errors.AddRange(result.Errors);
            if (result.Errors.IsEmpty)
            {
                lastGood[file] = result;
                used.Add(result);
            }
            else if (lastGood.TryGetValue(file, out var previous))
            {
                var kept = result.Whole ? WithKeptObjects(result, previous) : previous;
                if (kept.Lines.Count > result.Lines.Count)
                {
                    errors.Add($"{file}: until it reads without errors, the objects of its last good version that it no longer gives are kept");
                }
                used.Add(kept);
            }
            else if (result.Whole)
            {
                used.Add(result);
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
        var warnings = new List<string>();
        var objects = new ClusterObjects(
            Unique("Service", used, f => f.Services, warnings),
            Unique("EndpointSlice", used, f => f.EndpointSlices, warnings),
            Unique("Node", used, f => f.Nodes, warnings));
        reportedServices = Report(reportedServices, objects.Services, (s, _) => tracker.ServiceChanged(s));
        reportedSlices = Report(reportedSlices, objects.EndpointSlices, tracker.EndpointSliceChanged);
        return new SourceSnapshot(objects, errors.ToImmutable(), Complete: true) { Warnings = [.. warnings] };
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
    /// <paramref name="current"/> (read, with some documents skipped) plus the objects of <paramref name="previous"/> it
    /// no longer gives: one of the skipped documents may be the new version of any of them.
    /// </summary>
    private static ManifestFile WithKeptObjects(ManifestFile current, ManifestFile previous)
    {
        var lines = current.Lines.ToBuilder();
        ImmutableArray<T> Merge<T>(ImmutableArray<T> now, ImmutableArray<T> before)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            var keys = now.Select(Key).ToHashSet(StringComparer.Ordinal);
            var kept = before.Where(o => !keys.Contains(Key(o))).ToList();
            foreach (var item in kept)
            {
                lines[item] = previous.Lines.GetValueOrDefault(item);
            }
            return now.AddRange(kept);
        }

        return current with
        {
            Services = Merge(current.Services, previous.Services),
            EndpointSlices = Merge(current.EndpointSlices, previous.EndpointSlices),
            Nodes = Merge(current.Nodes, previous.Nodes),
            Lines = lines.ToImmutable(),
        };
    }

    /// <summary>
    /// The objects of every file, in file order, an object defined more than once keeping its last definition (in the
    /// place of its first), with a warning naming both places.
    /// </summary>
    private static ImmutableArray<T> Unique<T>(string kind, List<ManifestFile> files, Func<ManifestFile, ImmutableArray<T>> of, List<string> warnings)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var result = new List<T>();
        var index = new Dictionary<string, (int Position, string Where)>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var item in of(file))
            {
                var where = file.Where(item);
                if (index.TryGetValue(Key(item), out var first))
                {
                    warnings.Add($"{kind} {ObjectChecks.Describe(item)} in {first.Where}: defined again in {where}, which is used");
                    result[first.Position] = item;
                    index[Key(item)] = (first.Position, where);
                }
                else
                {
                    index[Key(item)] = (result.Count, where);
                    result.Add(item);
                }
            }
        }
        return [.. result];
    }

    private static string Key(IKubernetesObject<V1ObjectMeta> item) => $"{item.Namespace() ?? "default"}/{item.Name()}";

    /// <summary>
    /// Tells <paramref name="changed"/> about each object that is new, differs from its previous version, or is gone
    /// (true); returns the objects by key for the next read. Objects of files that were not parsed again are the same
    /// instances and cost nothing; a re-parsed file's objects are compared by content, so an edit reports only what it
    /// changed. As the live source's label selector (upstream's), objects of another proxy or of a headless Service are
    /// not followed at all.
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
                next[Key(item)] = item;
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
        FileInfo info;
        try
        {
            info = new FileInfo(file);
            if (parsed.TryGetValue(file, out var last) && info.Exists && last.Modified == info.LastWriteTimeUtc && last.Length == info.Length)
            {
                return last.Parsed;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ManifestFile.Failed(file, $"{file}: cannot be read: {e.Message}");
        }
        var text = BoundedFile.ReadText(file, out var error);
        var result = text is null ? ManifestFile.Failed(file, error!) : ManifestParser.Parse(file, text);
        if (info.Exists)
        {
            parsed[file] = (info.LastWriteTimeUtc, info.Length, result);
        }
        return result;
    }
}
