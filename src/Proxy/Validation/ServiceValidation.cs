using System.Globalization;
using k8s.Models;

namespace Proxy.Validation;

/// <summary>
/// The API server's checks of a Service (pkg/apis/core/validation ValidateService) for the fields whose format the
/// proxy relies on and ServiceSpecReader does not read itself: the names that end up in rule comments and chain hashes,
/// and the ports' target ports. A manifest, or a client of a too-lenient API, can hold anything; an object the API
/// server would refuse is skipped whole.
/// </summary>
public static class ServiceValidation
{
    /// <summary>True when valid; otherwise adds one warning naming the Service and every field at fault, and returns false.</summary>
    public static bool Validate(V1Service service, ICollection<string> warnings)
    {
        var problems = new List<string>();
        ObjectChecks.Metadata(service, KubernetesFormats.Dns1035Label, problems);
        var ports = service.Spec?.Ports ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i].Name is { Length: > 0 } name)
            {
                ObjectChecks.Check(problems, $"spec.ports[{i}].name", name, KubernetesFormats.Dns1123Label);
            }
            if (ports[i].TargetPort?.Value is { Length: > 0 } target)
            {
                // A number is a port (0 is defaulted to the service port); anything else names a container port.
                var numeric = long.TryParse(target, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number);
                if (numeric || target.All(char.IsAsciiDigit))
                {
                    if (!numeric || number is < 0 or > 65535)
                    {
                        problems.Add($"spec.ports[{i}].targetPort {target} is out of range 1-65535");
                    }
                }
                else
                {
                    ObjectChecks.Check(problems, $"spec.ports[{i}].targetPort", target, KubernetesFormats.IanaServiceName);
                }
            }
        }
        return ObjectChecks.Report("Service", service, problems, warnings);
    }
}
