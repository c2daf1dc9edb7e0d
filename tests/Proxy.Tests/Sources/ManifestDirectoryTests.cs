using Microsoft.Extensions.Time.Testing;
using Proxy.Kubernetes;
using Proxy.Tests.Input;
using Proxy.Sources;

namespace Proxy.Tests.Sources;

public sealed class ManifestDirectoryTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-manifests-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ChangeTracker tracker;

    public ManifestDirectoryTests() => tracker = new ChangeTracker(clock);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Service(string name) => $"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{clusterIP: 10.96.0.1, ports: [{{port: 80}}]}}\n";

    [Fact]
    public void ReadsYamlAndYmlFilesOnly()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "b.yml"), Service("b"));
        File.WriteAllText(Path.Combine(dir, "c.json"), "{}");
        File.WriteAllText(Path.Combine(dir, "README"), "not yaml: [");

        var snapshot = new ManifestDirectory(dir, tracker).Reload();

        Assert.True(snapshot.Complete);
        Assert.Empty(snapshot.Errors);
        Assert.Equal(["a", "b"], snapshot.Objects.Services.Select(s => s.Metadata.Name));
    }

    [Fact]
    public void AFileBrokenByAnEditKeepsItsLastGoodObjectsAndReportsTheError()
    {
        var directory = new ManifestDirectory(dir, tracker);
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Service("b"));
        Assert.True(directory.Reload().Complete);

        File.WriteAllText(Path.Combine(dir, "a.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: a\n");
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Service("b2"));
        var snapshot = directory.Reload();

        Assert.True(snapshot.Complete);
        Assert.Equal(["a", "b2"], snapshot.Objects.Services.Select(s => s.Metadata.Name));
        Assert.Equal(2, snapshot.Errors.Length);
        Assert.Contains("a.yaml:4:1: invalid YAML", snapshot.Errors[0]);
        Assert.EndsWith("a.yaml: until it reads without errors, the objects of its last good version that it no longer gives are kept", snapshot.Errors[1]);
    }

    [Fact]
    public void ABrokenFileSeenForTheFirstTimeIsReported_AndTheOtherFilesAreUsed()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "z.yaml"), "kind: [");

        var snapshot = new ManifestDirectory(dir, tracker).Reload();

        Assert.True(snapshot.Complete);
        Assert.Equal(["a"], snapshot.Objects.Services.Select(s => s.Metadata.Name));
        Assert.Contains("z.yaml:", Assert.Single(snapshot.Errors));
    }

    [Fact]
    public void ADaemonWhoseDirectoryGainsABrokenFileKeepsReadingTheRest()
    {
        var directory = new ManifestDirectory(dir, tracker);
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        Assert.True(directory.Reload().Complete);

        File.WriteAllText(Path.Combine(dir, "b.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {ports: [{port: http}]}\n");
        File.WriteAllText(Path.Combine(dir, "c.yaml"), Service("c"));
        var snapshot = directory.Reload();

        Assert.True(snapshot.Complete);
        Assert.Equal(["a", "c"], snapshot.Objects.Services.Select(s => s.Metadata.Name));
        Assert.StartsWith(Path.Combine(dir, "b.yaml") + ":1: Service \"b\" cannot be read", Assert.Single(snapshot.Errors));
    }

    [Fact]
    public void WhileAFileHasABrokenDocument_ItsGoodDocumentsAreUsedAndItsLastGoodObjectsStay()
    {
        var directory = new ManifestDirectory(dir, tracker);
        Edit("a.yaml", Service("a") + "---\n" + Service("b"));
        directory.Reload();

        // b's document is broken by the edit, a's is changed, c is new: b's last good version stays until it is fixed.
        Edit("a.yaml", Service("a").Replace("80", "81", StringComparison.Ordinal) + "---\napiVersion: v1\nkind: Service\nmetadata: {name: b\n---\n" + Service("c"));
        var broken = directory.Reload();
        Edit("a.yaml", Service("a") + "---\n" + Service("c"));
        var fixedAgain = directory.Reload();

        Assert.Equal(["a:81", "c:80", "b:80"], broken.Objects.Services.Select(s => $"{s.Metadata.Name}:{s.Spec.Ports[0].Port}"));
        Assert.Equal(2, broken.Errors.Length);
        Assert.Equal(["a", "c"], fixedAgain.Objects.Services.Select(s => s.Metadata.Name));
        Assert.Empty(fixedAgain.Errors);
    }

    [Fact]
    public void AnObjectDefinedTwiceKeepsItsLastDefinition_WithAWarningNamingBothPlaces()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("web") + "---\n" + Service("other"));
        File.WriteAllText(Path.Combine(dir, "b.yaml"), "# comment\n" + Service("web").Replace("10.96.0.1", "10.96.0.99", StringComparison.Ordinal));

        var snapshot = new ManifestDirectory(dir, tracker).Reload();

        Assert.Equal(["web:10.96.0.99", "other:10.96.0.1"], snapshot.Objects.Services.Select(s => $"{s.Metadata.Name}:{s.Spec.ClusterIP}"));
        Assert.Empty(snapshot.Errors);
        Assert.Equal($"Service default/web in {Path.Combine(dir, "a.yaml")}:1: defined again in {Path.Combine(dir, "b.yaml")}:2, which is used", Assert.Single(snapshot.Warnings));
    }

    [Fact]
    public async Task OnlyRegularFilesAreRead_AFifoOrADeviceIsReportedAndNeverBlocks()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "target"), Service("linked"));
        File.CreateSymbolicLink(Path.Combine(dir, "linked.yaml"), Path.Combine(dir, "target"));
        File.CreateSymbolicLink(Path.Combine(dir, "zero.yaml"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(dir, "dangling.yaml"), Path.Combine(dir, "missing"));
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.CreateSymbolicLink(Path.Combine(dir, "dir.yaml"), Path.Combine(dir, "sub"));
        Fifo.Make(Path.Combine(dir, "fifo.yaml"));

        // A blocked read would never return: the wait gives up (TimeoutException) instead of hanging the suite.
        var snapshot = await Task.Run(() => new ManifestDirectory(dir, tracker).Reload(), TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.True(snapshot.Complete);
        Assert.Equal(["a", "linked"], snapshot.Objects.Services.Select(s => s.Metadata.Name));
        // A link to a directory is listed as a directory, which is not a manifest: not read, nothing to say.
        Assert.True(snapshot.Errors.Length == 3, string.Join("\n", snapshot.Errors));
        Assert.StartsWith($"{dir}/dangling.yaml: cannot be read: ", snapshot.Errors[0]);
        Assert.Equal($"{dir}/fifo.yaml: is a FIFO, not a regular file; not read", snapshot.Errors[1]);
        Assert.Equal($"{dir}/zero.yaml: is a character device, not a regular file; not read", snapshot.Errors[2]);
    }

    [Fact]
    public void APathThatIsAFileIsNotADirectory()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));

        var snapshot = new ManifestDirectory(Path.Combine(dir, "a.yaml"), tracker).Reload();

        Assert.False(snapshot.Complete);
        Assert.EndsWith("a.yaml: is not a directory", Assert.Single(snapshot.Errors));
    }

    [Fact]
    public void DeletedFilesAreForgotten()
    {
        var directory = new ManifestDirectory(dir, tracker);
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        directory.Reload();
        File.Delete(Path.Combine(dir, "a.yaml"));

        var snapshot = directory.Reload();

        Assert.True(snapshot.Complete);
        Assert.Empty(snapshot.Objects.Services);
    }

    [Fact]
    public void AMissingDirectoryIsAnIncompleteSnapshotNamingIt()
    {
        var snapshot = new ManifestDirectory(Path.Combine(dir, "nope"), tracker).Reload();

        Assert.False(snapshot.Complete);
        Assert.Contains("nope: manifests directory does not exist", Assert.Single(snapshot.Errors));
    }

    [Fact]
    public void AnUnchangedFileIsNotParsedAgain_SoItsObjectsStayTheSameInstances()
    {
        var directory = new ManifestDirectory(dir, tracker);
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Service("b"));
        var first = directory.Reload();

        File.WriteAllText(Path.Combine(dir, "b.yaml"), Service("b2"));
        File.SetLastWriteTimeUtc(Path.Combine(dir, "b.yaml"), DateTime.UtcNow.AddSeconds(5));
        var second = directory.Reload();

        Assert.Same(first.Objects.Services[0], second.Objects.Services[0]);
        Assert.Equal("b2", second.Objects.Services[1].Metadata.Name);
    }

    private static string Slice(string name, string service, string address, DateTimeOffset? trigger = null) =>
        $"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: {name}\n  namespace: default\n"
        + $"  labels: {{kubernetes.io/service-name: {service}}}\n"
        + (trigger is { } t ? $"  annotations: {{endpoints.kubernetes.io/last-change-trigger-time: \"{t.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"}}\n" : "")
        + $"addressType: IPv4\nports: [{{port: 8080}}]\nendpoints: [{{addresses: [{address}]}}]\n";

    /// <summary>Writes a file and moves its modification time on, so a re-read parses it again whatever the file system's clock resolution.</summary>
    private void Edit(string file, string content)
    {
        var path = Path.Combine(dir, file);
        var before = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.UtcNow;
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, before.AddSeconds(5));
    }

    private (long Services, long Endpoints) Totals() => (tracker.ServiceChangesTotal, tracker.EndpointChangesTotal);

    [Fact]
    public void TheFirstReadReportsEveryServiceAndSliceAsTheLiveSourcesFirstListDoes()
    {
        Edit("a.yaml", Service("a") + "---\n" + Slice("a-1", "a", "10.244.1.1"));
        Edit("b.yaml", Service("b"));

        new ManifestDirectory(dir, tracker).Reload();

        Assert.Equal((2, 1), Totals());
        var pending = tracker.Take();
        Assert.Equal(["default/a", "default/b"], pending.Services.Order(StringComparer.Ordinal));
        Assert.Equal(["default/a"], pending.Endpoints);
    }

    [Fact]
    public void AnEditReportsOnlyTheObjectsItChanged_AndRereadingUnchangedFilesReportsNothing()
    {
        var directory = new ManifestDirectory(dir, tracker);
        Edit("a.yaml", Service("a") + "---\n" + Slice("a-1", "a", "10.244.1.1"));
        Edit("b.yaml", Service("b"));
        directory.Reload();
        tracker.Take();

        // a.yaml is parsed again: its Service comes back as a new but equal object, its slice with a new endpoint.
        Edit("a.yaml", Service("a") + "---\n" + Slice("a-1", "a", "10.244.1.2"));
        directory.Reload();
        Assert.Equal((2, 2), Totals());
        Assert.Equal(["default/a"], tracker.Take().Endpoints);

        // Periodic syncs re-read the directory: neither an untouched file nor one rewritten with the same content counts.
        directory.Reload();
        Edit("b.yaml", Service("b"));
        directory.Reload();
        Assert.Equal((2, 2), Totals());
        var pending = tracker.Take();
        Assert.Empty(pending.Services);
        Assert.Empty(pending.Endpoints);
    }

    [Fact]
    public void ADeletedFileReportsItsObjectsGone_WithoutTheDeletedSlicesTriggerTime()
    {
        var directory = new ManifestDirectory(dir, tracker);
        Edit("a.yaml", Service("a") + "---\n" + Slice("a-1", "a", "10.244.1.1"));
        directory.Reload();
        tracker.Take();
        clock.Advance(TimeSpan.FromSeconds(10));
        Edit("a.yaml", Service("a") + "---\n" + Slice("a-1", "a", "10.244.1.2", trigger: clock.GetUtcNow()));
        directory.Reload();

        File.Delete(Path.Combine(dir, "a.yaml"));
        directory.Reload();

        Assert.Equal((2, 3), Totals());
        var pending = tracker.Take();
        Assert.Equal(["default/a"], pending.Services);
        // As upstream: a slice's removal drops the trigger times its service had pending.
        Assert.Empty(pending.TriggerTimes);
    }

    [Fact]
    public void ASlicesTriggerTimeIsKeptOnlyWhenItIsAfterTheTrackerStarted()
    {
        var directory = new ManifestDirectory(dir, tracker);
        var started = clock.GetUtcNow();
        Edit("old.yaml", Slice("old-1", "old", "10.244.1.1", trigger: started - TimeSpan.FromDays(3)));
        Edit("new.yaml", Slice("new-1", "new", "10.244.1.2", trigger: started + TimeSpan.FromSeconds(2)));

        directory.Reload();

        var pending = tracker.Take();
        Assert.Equal(["default/new", "default/old"], pending.Endpoints.Order(StringComparer.Ordinal));
        Assert.Equal(started + TimeSpan.FromSeconds(2), Assert.Single(Assert.Single(pending.TriggerTimes).Value));
    }

    [Fact]
    public void AFileBrokenByAnEditReportsNothing_ItsLastGoodObjectsStay()
    {
        var directory = new ManifestDirectory(dir, tracker);
        Edit("a.yaml", Service("a") + "---\n" + Slice("a-1", "a", "10.244.1.1"));
        directory.Reload();

        Edit("a.yaml", "kind: [");
        var snapshot = directory.Reload();

        Assert.True(snapshot.Complete);
        Assert.Equal((1, 1), Totals());
    }

    [Fact]
    public void ServicesOfAnotherProxyOrHeadlessOnesAreNotChanges_AsTheLiveSourcesLabelSelectorNeverSeesThem()
    {
        var directory = new ManifestDirectory(dir, tracker);
        Edit("a.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a, labels: {service.kubernetes.io/service-proxy-name: other}}\n"
            + "spec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}\n");
        directory.Reload();
        Assert.Equal((0, 0), Totals());

        // Losing the label is what a selector-filtered watch reports as the Service appearing.
        Edit("a.yaml", Service("a"));
        directory.Reload();
        Assert.Equal((1, 0), Totals());
    }
}
