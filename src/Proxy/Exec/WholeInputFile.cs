using Proxy.Core.Exec;

namespace Proxy.Exec;

/// <summary>
/// A tool's whole input in a private temporary file (mode 0600, a name of its own), deleted when disposed. Written
/// completely before the tool starts: see <see cref="Proxy.Core.Exec.Command.WriteWhole"/>.
/// </summary>
internal sealed class WholeInputFile : IDisposable
{
    private WholeInputFile(string path) => Path = path;

    public string Path { get; }

    private const string Prefix = "kube-proxy-sharp-";
    private const string Suffix = ".input";

    /// <summary>Run once per process, before its first file: see <see cref="RemoveLeftovers"/>.</summary>
    private static readonly Lazy<int> LeftoversRemoved = new(() => RemoveLeftovers(System.IO.Path.GetTempPath()));

    public static async Task<WholeInputFile> WriteAsync(CommandInput input, CancellationToken cancellationToken)
    {
        _ = LeftoversRemoved.Value;
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}{Suffix}");
        var file = new WholeInputFile(path);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, // never an existing file, nor one a symlink points at
                Access = FileAccess.Write,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the payload is nobody else's to read
            }
            // Piece by piece, on a pool thread: never the whole input as one string.
            await Task.Run(() => input.WriteTo(new FileStream(path, options), cancellationToken), cancellationToken).ConfigureAwait(false);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Deletes the input files of processes that are gone (a proxy SIGKILLed mid-sync cannot delete its own), never a
    /// running process's; returns how many.
    /// </summary>
    internal static int RemoveLeftovers(string folder)
    {
        var removed = 0;
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, $"{Prefix}*{Suffix}"))
            {
                var name = System.IO.Path.GetFileName(file);
                var pid = name[Prefix.Length..].Split('-')[0];
                if (int.TryParse(pid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                    && id != Environment.ProcessId && !Directory.Exists($"/proc/{id}"))
                {
                    new WholeInputFile(file).Dispose();
                    removed++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable temporary folder: the files stay, and writing the next one will say what is wrong.
        }
        return removed;
    }

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Gone already, or its folder unwritable: nothing else holds it, and /tmp is the container's own.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
