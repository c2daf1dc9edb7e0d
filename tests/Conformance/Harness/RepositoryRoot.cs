namespace Proxy.Conformance.Tests.Harness;

/// <summary>The checkout these tests were built from (the directory holding Proxy.sln above the test binaries).</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Proxy.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("no Proxy.sln above " + AppContext.BaseDirectory);
    }
}
