using System.Text;

namespace Proxy.Exec;

/// <summary>
/// A tool's whole input in a private temporary file (mode 0600, a name of its own), deleted when disposed. Written
/// completely before the tool starts: see <see cref="Proxy.Core.Exec.Command.WriteWhole"/>.
/// </summary>
internal sealed class WholeInputFile : IDisposable
{
    private WholeInputFile(string path) => Path = path;

    public string Path { get; }

    public static async Task<WholeInputFile> WriteAsync(string input, CancellationToken cancellationToken)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"kube-proxy-sharp-{Environment.ProcessId}-{Guid.NewGuid():N}.input");
        var file = new WholeInputFile(path);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, // never an existing file, nor one a symlink points at
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the payload is nobody else's to read
            }
            await using var stream = new FileStream(path, options);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            await writer.WriteAsync(input.AsMemory(), cancellationToken).ConfigureAwait(false);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
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
