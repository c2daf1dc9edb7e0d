using k8s;
using k8s.Models;

namespace Proxy.Validation;

/// <summary>
/// What the API server checks of every object's metadata that the proxy relies on, collected as problems (all of them,
/// not the first) with the field each is about; and how an object is named in a warning.
/// </summary>
internal static class ObjectChecks
{
    /// <summary>
    /// metadata.name in <paramref name="nameFormat"/> (required), and metadata.namespace an RFC 1123 label (absent in a
    /// manifest means "default", as kubectl reads it).
    /// </summary>
    public static void Metadata(IKubernetesObject<V1ObjectMeta> item, Func<string, string?> nameFormat, List<string> problems)
    {
        var name = item.Name();
        if (string.IsNullOrEmpty(name))
        {
            problems.Add("metadata.name is required");
        }
        else
        {
            Check(problems, "metadata.name", name, nameFormat);
        }
        if (item.Namespace() is { } ns)
        {
            Check(problems, "metadata.namespace", ns, KubernetesFormats.Dns1123Label);
        }
    }

    /// <summary>Adds <c>field "value" why</c> when <paramref name="format"/> refuses <paramref name="value"/>.</summary>
    public static void Check(List<string> problems, string field, string value, Func<string, string?> format)
    {
        if (format(value) is { } why)
        {
            problems.Add($"{field} {MessageText.Quote(value)} {why}");
        }
    }

    /// <summary>
    /// Adds one warning naming the object (namespace/name, quoted when either is not a valid name) and every problem,
    /// and returns false; true when there are none.
    /// </summary>
    public static bool Report(string kind, IKubernetesObject<V1ObjectMeta> item, List<string> problems, ICollection<string> warnings)
    {
        if (problems.Count == 0)
        {
            return true;
        }
        warnings.Add($"{kind} {Describe(item)}: {string.Join("; ", problems)}; {kind} skipped");
        return false;
    }

    /// <summary>namespace/name as a warning names an object: quoted, as <see cref="MessageText.Quote"/> quotes, unless both are valid names.</summary>
    public static string Describe(IKubernetesObject<V1ObjectMeta> item)
    {
        var id = $"{item.Namespace() ?? "default"}/{item.Name()}";
        var plain = KubernetesFormats.Dns1123Label(item.Namespace() ?? "default") is null && KubernetesFormats.Dns1123Subdomain(item.Name() ?? "") is null;
        return plain ? id : MessageText.Quote(id);
    }
}
