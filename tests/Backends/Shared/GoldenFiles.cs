namespace Proxy.Backends.Testing;

/// <summary>
/// Golden files of a test project: read from the copy next to the test assembly, rewritten in the source tree when
/// UPDATE_GOLDEN=1 (then review the diff), so each renderer's goldens work the same way.
/// </summary>
internal static class GoldenFiles
{
    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    public static string Output(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);

    /// <summary>The same path in the source tree: the folder of <paramref name="projectFile"/>, found above the test assembly.</summary>
    public static string Source(string projectFile, params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, projectFile)))
        {
            dir = dir.Parent;
        }
        return Path.Combine([dir?.FullName ?? throw new DirectoryNotFoundException(projectFile), .. parts]);
    }

    /// <summary>Asserts <paramref name="actual"/> equals the golden file, or rewrites it when updating.</summary>
    public static void Check(string projectFile, string actual, params string[] parts)
    {
        var source = Source(projectFile, parts);
        if (Updating)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            File.WriteAllText(source, actual);
            return;
        }
        Assert.True(File.Exists(source), $"{source} is missing: run with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(source), actual);
    }
}
