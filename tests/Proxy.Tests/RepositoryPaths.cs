namespace Proxy.Tests;

/// <summary>Files of the repository the tests check (deploy/, examples): found by walking up to Proxy.sln.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Find();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "Proxy.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("no Proxy.sln above " + AppContext.BaseDirectory);
    }
}
