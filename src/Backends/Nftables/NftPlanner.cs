namespace Proxy.Backends.Nftables;

/// <summary>
/// Pure: what one transaction must contain. A full sync replaces the table atomically (add + delete + recreate in one
/// transaction, so there is no moment without rules). A partial sync only updates elements, and adds or removes the
/// objects of an endpoint count that came or went.
/// </summary>
public static class NftPlanner
{
    public static NftTransaction Full(NftRuleset desired)
    {
        var table = new NftTable(desired.Family, NftNames.Table, NftNames.TableComment);
        var transaction = new NftTransaction().Add(table).Delete(table).Add(table);
        foreach (var item in Objects(desired))
        {
            transaction.Add(item);
        }
        foreach (var (set, items) in desired.Elements.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            transaction.Add(new NftElements(desired.Family, NftNames.Table, set, [.. items.Values.OrderBy(i => i.Key, StringComparer.Ordinal)]));
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
        var transaction = new NftTransaction();
        var sets = desired.Elements.Keys.Union(previous.Elements.Keys).Order(StringComparer.Ordinal).ToList();
        // 1. Elements that went away or changed: first, so chains and maps they point to can be removed below.
        foreach (var set in sets)
        {
            var before = previous.Elements.GetValueOrDefault(set);
            var after = desired.Elements.GetValueOrDefault(set);
            var gone = before?.Values.Where(e => after is null || !after.TryGetValue(e.Key, out var now) || now != e).OrderBy(e => e.Key, StringComparer.Ordinal).ToList() ?? [];
            transaction.Delete(new NftElements(desired.Family, NftNames.Table, set, gone));
        }
        // 2. Objects of new endpoint counts.
        foreach (var n in desired.EndpointCounts.Except(previous.EndpointCounts))
        {
            foreach (var item in NftRenderer.PerCount(desired.Family, n))
            {
                transaction.Add(item);
            }
        }
        // 3. Elements that are new or changed.
        foreach (var set in sets)
        {
            var before = previous.Elements.GetValueOrDefault(set);
            var after = desired.Elements.GetValueOrDefault(set);
            var added = after?.Values.Where(e => before is null || !before.TryGetValue(e.Key, out var was) || was != e).OrderBy(e => e.Key, StringComparer.Ordinal).ToList() ?? [];
            transaction.Add(new NftElements(desired.Family, NftNames.Table, set, added));
        }
        // 4. Objects of endpoint counts no longer used: flush the chains (dropping their references to the maps), then delete.
        foreach (var n in previous.EndpointCounts.Except(desired.EndpointCounts))
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

    /// <summary>Scaffold and per-count objects in creation order: sets and maps, then chains, then rules (which refer to both).</summary>
    private static IEnumerable<NftObject> Objects(NftRuleset desired)
    {
        var all = desired.Scaffold.Concat(desired.EndpointCounts.SelectMany(n => NftRenderer.PerCount(desired.Family, n))).ToList();
        return all.OfType<NftSet>().Cast<NftObject>().Concat(all.OfType<NftChain>()).Concat(all.OfType<NftRule>());
    }
}
