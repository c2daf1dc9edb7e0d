using Proxy.Sources;

namespace Proxy.Tests.Sources;

public sealed class ManifestDirectoryTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("kps-manifests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Service(string name) => $"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{clusterIP: 10.96.0.1, ports: [{{port: 80}}]}}\n";

    [Fact]
    public void ReadsYamlAndYmlFilesOnly()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "b.yml"), Service("b"));
        File.WriteAllText(Path.Combine(dir, "c.json"), "{}");
        File.WriteAllText(Path.Combine(dir, "README"), "not yaml: [");

        var snapshot = new ManifestDirectory(dir).Reload();

        Assert.True(snapshot.Complete);
        Assert.Empty(snapshot.Errors);
        Assert.Equal(["a", "b"], snapshot.Objects.Services.Select(s => s.Metadata.Name));
    }

    [Fact]
    public void AFileBrokenByAnEditKeepsItsLastGoodObjectsAndReportsTheError()
    {
        var directory = new ManifestDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Service("b"));
        Assert.True(directory.Reload().Complete);

        File.WriteAllText(Path.Combine(dir, "a.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: a\n");
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Service("b2"));
        var snapshot = directory.Reload();

        Assert.True(snapshot.Complete);
        Assert.Equal(["a", "b2"], snapshot.Objects.Services.Select(s => s.Metadata.Name));
        Assert.Contains("a.yaml:", Assert.Single(snapshot.Errors));
    }

    [Fact]
    public void ABrokenFileSeenForTheFirstTimeMakesTheSnapshotIncomplete()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "z.yaml"), "kind: [");

        var snapshot = new ManifestDirectory(dir).Reload();

        Assert.False(snapshot.Complete);
        Assert.Contains("z.yaml:", Assert.Single(snapshot.Errors));
    }

    [Fact]
    public void DeletedFilesAreForgotten()
    {
        var directory = new ManifestDirectory(dir);
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
        var snapshot = new ManifestDirectory(Path.Combine(dir, "nope")).Reload();

        Assert.False(snapshot.Complete);
        Assert.Contains("nope: manifests directory does not exist", Assert.Single(snapshot.Errors));
    }

    [Fact]
    public void AnUnchangedFileIsNotParsedAgain_SoItsObjectsStayTheSameInstances()
    {
        var directory = new ManifestDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Service("a"));
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Service("b"));
        var first = directory.Reload();

        File.WriteAllText(Path.Combine(dir, "b.yaml"), Service("b2"));
        File.SetLastWriteTimeUtc(Path.Combine(dir, "b.yaml"), DateTime.UtcNow.AddSeconds(5));
        var second = directory.Reload();

        Assert.Same(first.Objects.Services[0], second.Objects.Services[0]);
        Assert.Equal("b2", second.Objects.Services[1].Metadata.Name);
    }
}
