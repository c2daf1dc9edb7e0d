using System.Text;

namespace Proxy.Backends.Ipvs.Ipsets;

/// <summary>
/// Pure: <c>ipset restore</c> payloads. A full sync fills a staging set and swaps it in, so each set changes from its
/// old contents to its new ones at once (an emptied set would reject new connections to every service); a partial
/// sync adds and deletes only the entries that differ from what was last applied.
/// </summary>
public static class IpsetRestore
{
    /// <param name="existing">The sets the kernel has now (from <c>ipset save</c>): those are swapped into, not created.</param>
    public static string Replace(IpsetContents contents, IReadOnlySet<string> existing)
    {
        var text = new StringBuilder();
        foreach (var definition in IpsetNames.For(contents.Family))
        {
            var entries = contents.Sets[definition.Name];
            if (!existing.Contains(definition.Name))
            {
                text.Append(definition.CreateLine(definition.Name, entries.Count)).Append('\n');
            }
            var staging = definition.StagingName;
            if (existing.Contains(staging))
            {
                // A leftover of an interrupted sync may have other limits: start from a fresh one.
                text.Append("destroy ").Append(staging).Append('\n');
            }
            text.Append(definition.CreateLine(staging, entries.Count)).Append('\n');
            foreach (var entry in entries.Order(StringComparer.Ordinal))
            {
                text.Append("add ").Append(staging).Append(' ').Append(entry).Append('\n');
            }
            text.Append("swap ").Append(staging).Append(' ').Append(definition.Name).Append('\n');
            text.Append("destroy ").Append(staging).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The entries to add and delete to go from <paramref name="previous"/> to <paramref name="contents"/>; empty when nothing differs.</summary>
    public static string Diff(IpsetContents previous, IpsetContents contents)
    {
        var text = new StringBuilder();
        foreach (var definition in IpsetNames.For(contents.Family))
        {
            var before = previous.Sets[definition.Name];
            var after = contents.Sets[definition.Name];
            foreach (var entry in before.Except(after).Order(StringComparer.Ordinal))
            {
                text.Append("del ").Append(definition.Name).Append(' ').Append(entry).Append(" -exist\n");
            }
            foreach (var entry in after.Except(before).Order(StringComparer.Ordinal))
            {
                text.Append("add ").Append(definition.Name).Append(' ').Append(entry).Append(" -exist\n");
            }
        }
        return text.ToString();
    }

    /// <summary>Destroys the sets named (cleanup: after the iptables rules that match on them are gone).</summary>
    public static string Destroy(IEnumerable<string> names) => string.Concat(names.Select(n => $"destroy {n}\n"));

    /// <summary>Reads <c>ipset save</c> output: every set the kernel has, with its entries.</summary>
    public static Dictionary<string, HashSet<string>> Parse(string save)
    {
        var sets = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in save.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0] == "create")
            {
                sets.TryAdd(parts[1], new HashSet<string>(StringComparer.Ordinal));
            }
            else if (parts.Length == 3 && parts[0] == "add")
            {
                if (!sets.TryGetValue(parts[1], out var entries))
                {
                    sets[parts[1]] = entries = new HashSet<string>(StringComparer.Ordinal);
                }
                // Entries may carry options after the element (timeout, comment); the element is the first word.
                entries.Add(parts[2].Split(' ')[0]);
            }
        }
        return sets;
    }
}
