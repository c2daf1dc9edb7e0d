using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Proxy.Input;

/// <summary>
/// Reads a file the proxy is pointed at (a manifest, --config) as UTF-8 text, only when it is a regular file (symbolic
/// links are followed: ConfigMap volumes are made of them) and not larger than a limit. Anything else is an error
/// naming the file, never a hang or an exception: a FIFO named <c>*.yaml</c> would block <c>open</c> until a writer
/// came, and a link to <c>/dev/zero</c> would be read until memory ran out. The file is opened non-blocking (no effect
/// on a regular file) and its type taken from the open descriptor, so it cannot be swapped in between.
/// </summary>
public static partial class BoundedFile
{
    /// <summary>The default limit: a manifest of 50,000 services with their slices is a fraction of it.</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    private const int ReadOnlyNonBlocking = 0x800; // O_RDONLY | O_NONBLOCK
    private const int NoControllingTerminal = 0x100; // O_NOCTTY
    private const int CloseOnExec = 0x80000; // O_CLOEXEC
    private const int EmptyPath = 0x1000; // AT_EMPTY_PATH: statx describes the descriptor itself
    private const uint TypeAndSize = 0x1 | 0x200; // STATX_TYPE | STATX_SIZE
    private const int StatxSize = 256; // sizeof(struct statx), the same on every architecture, unlike struct stat
    private const int ModeOffset = 28; // stx_mode (u16)
    private const int SizeOffset = 40; // stx_size (u64)

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text of <paramref name="path"/>, or null and why not (a sentence that starts with the path).</summary>
    public static string? ReadText(string path, out string? error, long maxBytes = MaxBytes)
    {
        error = null;
        var fd = Open(path, ReadOnlyNonBlocking | NoControllingTerminal | CloseOnExec);
        if (fd < 0)
        {
            error = $"{path}: cannot be read: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
            return null;
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Describe(handle, path, maxBytes) is { } refused)
        {
            error = refused;
            return null;
        }
        try
        {
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            var bytes = ReadAtMost(stream, maxBytes);
            if (bytes is null)
            {
                error = $"{path}: is larger than {maxBytes} bytes; not read";
                return null;
            }
            var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (IOException e)
        {
            error = $"{path}: cannot be read: {e.Message}";
        }
        catch (DecoderFallbackException)
        {
            error = $"{path}: is not UTF-8 text; not read";
        }
        return null;
    }

    /// <summary>Why the open file is not read (not a regular file, too large), or null.</summary>
    private static string? Describe(SafeFileHandle handle, string path, long maxBytes)
    {
        Span<byte> status = stackalloc byte[StatxSize];
        int result;
        try
        {
            result = Statx(handle, "", EmptyPath, TypeAndSize, status);
        }
        catch (EntryPointNotFoundException)
        {
            // A C library older than statx (glibc 2.28, musl 1.2.5): the descriptor is non-blocking and the read bounded,
            // so a FIFO or device is read as whatever it holds now, within the limit, and never hangs.
            return null;
        }
        if (result != 0)
        {
            return $"{path}: cannot be read: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
        }
        var type = MemoryMarshal.Read<ushort>(status[ModeOffset..]) & 0xF000;
        if (type != 0x8000)
        {
            return $"{path}: is {Kind(type)}, not a regular file; not read";
        }
        var size = MemoryMarshal.Read<ulong>(status[SizeOffset..]);
        return size > (ulong)maxBytes ? $"{path}: is larger than {maxBytes} bytes ({size}); not read" : null;
    }

    private static string Kind(int type) => type switch
    {
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x4000 => "a directory",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "not a regular file",
    };

    /// <summary>The whole content, or null when there is more than <paramref name="maxBytes"/> (the file may have grown since it was described).</summary>
    private static byte[]? ReadAtMost(Stream stream, long maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(SafeFileHandle dirfd, string path, int flags, uint mask, Span<byte> status);
}
