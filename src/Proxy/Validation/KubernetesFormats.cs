namespace Proxy.Validation;

/// <summary>
/// The API machinery's name formats (k8s.io/apimachinery/pkg/util/validation), each returning why a value is not one,
/// or null. Checked character by character: a regular expression's <c>$</c> would let a trailing newline through.
/// </summary>
public static class KubernetesFormats
{
    /// <summary>IsDNS1123Label: namespaces, port names, endpoint hostnames.</summary>
    public static string? Dns1123Label(string value) =>
        value.Length <= 63 && IsLabel(value, letterFirst: false) ? null
            : "must be an RFC 1123 label: at most 63 characters, lower-case letters, digits and '-', starting and ending with a letter or digit";

    /// <summary>IsDNS1035Label: Service names.</summary>
    public static string? Dns1035Label(string value) =>
        value.Length <= 63 && IsLabel(value, letterFirst: true) ? null
            : "must be an RFC 1035 label: at most 63 characters, lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";

    /// <summary>IsDNS1123Subdomain: EndpointSlice and Node names.</summary>
    public static string? Dns1123Subdomain(string value) =>
        value.Length <= 253 && IsSubdomain(value) ? null
            : "must be an RFC 1123 subdomain: at most 253 characters, dot-separated labels of lower-case letters, digits and '-', each starting and ending with a letter or digit";

    /// <summary>IsValidPortName (IANA_SVC_NAME, RFC 6335): named target ports.</summary>
    public static string? IanaServiceName(string value) =>
        value.Length is >= 1 and <= 15 && !value.AsSpan().ContainsAnyExcept(LabelCharacters) && value.AsSpan().ContainsAnyInRange('a', 'z')
        && value[0] != '-' && value[^1] != '-' && !value.Contains("--", StringComparison.Ordinal) ? null
            : "must be an IANA service name: at most 15 characters, lower-case letters, digits and '-', at least one letter, no '--', not starting or ending with '-'";

    /// <summary>IsValidLabelValue: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.</summary>
    public static string? LabelValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && char.IsAsciiLetterOrDigit(value[0]) && char.IsAsciiLetterOrDigit(value[^1])
            && !value.AsSpan().ContainsAnyExcept(LabelValueCharacters)) ? null
            : "must be a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

    private static readonly System.Buffers.SearchValues<char> LabelCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    private static readonly System.Buffers.SearchValues<char> LabelValueCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    private static bool IsSubdomain(string value)
    {
        // Allocation-free: every EndpointSlice's name is checked at every sync.
        foreach (var label in value.AsSpan().Split('.'))
        {
            if (!IsLabel(value.AsSpan()[label], letterFirst: false))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsLabel(ReadOnlySpan<char> value, bool letterFirst) =>
        value.Length > 0 && !value.ContainsAnyExcept(LabelCharacters)
        && (letterFirst ? char.IsAsciiLetterLower(value[0]) : value[0] != '-') && value[^1] != '-';
}
