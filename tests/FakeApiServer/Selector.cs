using System.Text.Json.Nodes;

namespace Proxy.Testing.FakeApi;

/// <summary>
/// Label selectors (<c>key</c>, <c>!key</c>, <c>key=value</c>, <c>key!=value</c>, comma = and) and field selectors
/// (<c>metadata.name=x</c>, <c>metadata.namespace=x</c>), as the API server applies them.
/// </summary>
public static class Selector
{
    public static bool Matches(JsonObject item, string? labelSelector, string? fieldSelector) =>
        Labels(item, labelSelector) && Fields(item, fieldSelector);

    private static bool Labels(JsonObject item, string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return true;
        }
        var labels = item["metadata"]?["labels"] as JsonObject;
        string? Label(string key) => labels?[key]?.GetValue<string>();
        foreach (var term in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ok = term switch
            {
                _ when term.StartsWith('!') => labels?.ContainsKey(term[1..]) != true,
                _ when term.Contains("!=", StringComparison.Ordinal) => Label(term.Split("!=")[0]) != term.Split("!=")[1],
                _ when term.Contains('=', StringComparison.Ordinal) => Label(term.Split('=')[0].TrimEnd('=')) == term.Split('=')[^1],
                _ => labels?.ContainsKey(term) == true,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool Fields(JsonObject item, string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return true;
        }
        foreach (var term in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = (term.Split('=')[0], term.Split('=')[^1]);
            var actual = key switch
            {
                "metadata.name" => item["metadata"]?["name"]?.GetValue<string>(),
                "metadata.namespace" => item["metadata"]?["namespace"]?.GetValue<string>(),
                _ => throw new NotSupportedException($"field selector {key}"),
            };
            if (actual != value)
            {
                return false;
            }
        }
        return true;
    }
}
