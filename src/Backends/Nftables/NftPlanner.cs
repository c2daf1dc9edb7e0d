namespace Proxy.Backends.Nftables;

/// <summary>
/// Pure: what one transaction must contain. A full sync replaces the table atomically (add + delete + recreate in one
/// transaction, so there is no moment without rules). A partial sync looks only at the service ports that changed
/// and writes the element differences, adding or removing the objects of an endpoint count that came or went.
/// </summary>
public static class NftPlanner
{
    public static NftTransaction Full(NftRuleset desired)
    {
        var table = new NftTable(desired.Family, NftNames.Table, NftNames.TableComment);
        var transaction = new NftTransaction().Add(table).Delete(table).Add(table);
        var all = desired.Scaffold.Concat(desired.EndpointCounts.Keys.Order().SelectMany(n => NftRenderer.PerCount(desired.Family, n))).ToList();
        // Creation order: sets and maps, then chains, then rules (which refer to both), then elements (which refer to chains).
        foreach (var item in all.OfType<NftSet>().Cast<NftObject>().Concat(all.OfType<NftChain>()).Concat(all.OfType<NftRule>()))
        {
            transaction.Add(item);
        }
        foreach (var (set, elements) in desired.ElementsBySet())
        {
            transaction.Add(new NftElements(desired.Family, NftNames.Table, set, elements));
        }
        return transaction;
    }

    /// <summary>The element-level update from <paramref name="previous"/>, or null when the scaffold changed and only a full sync will do.</summary>
    public static NftTransaction? Partial(NftRuleset desired, NftRuleset previous)
    {
        if (!desired.Scaffold.SequenceEqual(previous.Scaffold))
        {
            return null;
        }
        // Only ports that are not in both (by value) can change anything; hairpins change when their count crosses zero.
        var removedPorts = previous.Ports.Where(p => !desired.Ports.ContainsKey(p.Key)).Select(p => p.Value).ToList();
        var addedPorts = desired.Ports.Where(p => !previous.Ports.ContainsKey(p.Key)).Select(p => p.Value).ToList();
        var removed = removedPorts.SelectMany(p => p.Elements)
            .Concat(removedPorts.SelectMany(p => p.Hairpins).Where(h => !desired.Hairpins.ContainsKey(h)).Select(h => (Set: NftNames.Hairpin, Element: h))).ToList();
        var added = addedPorts.SelectMany(p => p.Elements)
            .Concat(addedPorts.SelectMany(p => p.Hairpins).Where(h => !previous.Hairpins.ContainsKey(h)).Select(h => (Set: NftNames.Hairpin, Element: h))).ToList();
        var addedSet = added.ToHashSet();
        var removedSet = removed.ToHashSet();
        var deletes = removed.Where(e => !addedSet.Contains(e)).Distinct().ToList();
        var adds = added.Where(e => !removedSet.Contains(e)).Distinct().ToList();
        // A key whose value changed is deleted, then added with its new value.
        var transaction = new NftTransaction();
        foreach (var group in deletes.GroupBy(e => e.Set, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            transaction.Delete(new NftElements(desired.Family, NftNames.Table, group.Key, [.. group.Select(e => e.Element).OrderBy(e => e.Key, StringComparer.Ordinal)]));
        }
        foreach (var n in desired.EndpointCounts.Keys.Except(previous.EndpointCounts.Keys).Order())
        {
            foreach (var item in NftRenderer.PerCount(desired.Family, n))
            {
                transaction.Add(item);
            }
        }
        foreach (var group in adds.GroupBy(e => e.Set, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            transaction.Add(new NftElements(desired.Family, NftNames.Table, group.Key, [.. group.Select(e => e.Element).OrderBy(e => e.Key, StringComparer.Ordinal)]));
        }
        // Objects of endpoint counts no longer used: flush the chains (dropping their references to the maps), then delete.
        foreach (var n in previous.EndpointCounts.Keys.Except(desired.EndpointCounts.Keys).Order())
        {
            var objects = NftRenderer.PerCount(desired.Family, n);
            foreach (var chain in objects.OfType<NftChain>())
            {
                transaction.Flush(chain).Delete(chain);
            }
            foreach (var map in objects.OfType<NftSet>())
            {
                transaction.Delete(map);
            }
        }
        return transaction;
    }

    /// <summary>Removes our table of each family, and nothing else; "add" first makes the delete succeed when it is absent.</summary>
    public static NftTransaction Cleanup(IEnumerable<string> families)
    {
        var transaction = new NftTransaction();
        foreach (var family in families)
        {
            var table = new NftTable(family, NftNames.Table);
            transaction.Add(table).Delete(table);
        }
        return transaction;
    }
}
