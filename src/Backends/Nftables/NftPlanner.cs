namespace Proxy.Backends.Nftables;

/// <summary>
/// Pure: what one transaction must contain (nft applies each atomically, so there is never a moment without rules).
/// <list type="bullet">
/// <item><see cref="Full(NftRuleset)"/>, when nothing is known of the kernel: the table is replaced (add, delete, recreate).</item>
/// <item><see cref="Full(NftRuleset, NftRuleset)"/>, the periodic resync: every rule and element is rewritten, but the
/// table is kept, so session affinity's memories survive (as they do upstream, which never flushes them).</item>
/// <item><see cref="Partial"/>: only what the changed service ports own or share, element by element, and the chains
/// that belong to one service.</item>
/// </list>
/// </summary>
public static class NftPlanner
{
    /// <summary>Replaces the table: for the first sync, and after a failure left the kernel's content unknown.</summary>
    public static NftTransaction Full(NftRuleset desired)
    {
        var table = new NftTable(desired.Family, NftNames.Table, NftNames.TableComment);
        var transaction = new NftTransaction().Add(table).Delete(table).Add(table);
        var definitions = desired.Definitions().ToList();
        foreach (var item in Ordered(definitions))
        {
            transaction.Add(item);
        }
        return AddElements(transaction, desired.Elements());
    }

    /// <summary>
    /// Rewrites every rule and element over what <paramref name="previous"/> put in place: rules are flushed with the
    /// table, every set and map is flushed or (when gone or redefined) deleted, and chains that are gone or redefined are
    /// deleted; only sets whose elements the kernel writes (affinity) and that stay as they were keep their elements.
    /// Each flush and delete is preceded by an add, so an object that drifted away does not fail the transaction.
    /// </summary>
    public static NftTransaction Full(NftRuleset desired, NftRuleset previous)
    {
        var table = new NftTable(desired.Family, NftNames.Table, NftNames.TableComment);
        var transaction = new NftTransaction().Add(table).Flush(table);
        var before = previous.Definitions().Where(d => d is not NftRule).ToList();
        var after = desired.Definitions().ToList();
        var wanted = after.Where(d => d is not NftRule).ToHashSet();
        // Sets first: flushing maps drops the elements that refer to chains, so chains can go after.
        foreach (var set in before.OfType<NftSet>())
        {
            transaction.Add(set);
            if (!wanted.Contains(set))
            {
                transaction.Delete(set);
            }
            else if (!set.KeepsElements)
            {
                transaction.Flush(set);
            }
        }
        foreach (var chain in before.OfType<NftChain>())
        {
            transaction.Add(chain);
            if (!wanted.Contains(chain))
            {
                transaction.Delete(chain);
            }
        }
        var kept = before.ToHashSet();
        foreach (var item in Ordered(after.Where(d => d is NftRule || !kept.Contains(d)).ToList()))
        {
            transaction.Add(item);
        }
        return AddElements(transaction, desired.Elements());
    }

    /// <summary>
    /// The element-level update from <paramref name="previous"/>, or null when the scaffold changed and only a full sync
    /// will do. Only ports that are not in both (by value) can change anything.
    /// </summary>
    public static NftTransaction? Partial(NftRuleset desired, NftRuleset previous)
    {
        if (!desired.Scaffold.SequenceEqual(previous.Scaffold) || desired.EndpointComments != previous.EndpointComments)
        {
            return null;
        }
        var (added, removed) = NftRuleset.Changes(desired, previous);
        var removedPorts = removed.Select(p => previous.Ports[p]).ToList();
        var addedPorts = added.Select(p => desired.Ports[p]).ToList();

        // Elements: a port's own, plus shared ones whose count crossed zero (the count before is the count now, less what
        // the added ports bring, plus what the removed ones took). A key whose value changed is deleted, then added.
        var contributed = new Dictionary<(string, NftElement), int>();
        foreach (var element in addedPorts.SelectMany(p => p.SharedElements))
        {
            contributed[element] = contributed.GetValueOrDefault(element) + 1;
        }
        foreach (var element in removedPorts.SelectMany(p => p.SharedElements))
        {
            contributed[element] = contributed.GetValueOrDefault(element) - 1;
        }
        var counts = desired.SharedElements;
        var removedElements = removedPorts.SelectMany(p => p.Elements)
            .Concat(contributed.Keys.Where(e => !counts.ContainsKey(e))).ToList();
        var addedElements = addedPorts.SelectMany(p => p.Elements)
            .Concat(contributed.Where(e => counts.GetValueOrDefault(e.Key) > 0 && counts.GetValueOrDefault(e.Key) - e.Value == 0).Select(e => e.Key)).ToList();
        var addedSet = addedElements.ToHashSet();
        var removedSet = removedElements.ToHashSet();
        var deletes = removedElements.Where(e => !addedSet.Contains(e)).Distinct().ToList();
        var adds = addedElements.Where(e => !removedSet.Contains(e)).Distinct().ToList();

        // Objects: the shared groups whose count crossed zero, and the changed ports' own (by name: an affinity set that
        // stays as it was is left alone, with its memory).
        var oldObjects = previous.Groups.Where(g => !desired.GroupCounts.ContainsKey(g.Key)).SelectMany(g => g.Value.Objects)
            .Concat(removedPorts.SelectMany(p => p.Objects)).ToList();
        var newObjects = desired.Groups.Where(g => !previous.GroupCounts.ContainsKey(g.Key)).SelectMany(g => g.Value.Objects)
            .Concat(addedPorts.SelectMany(p => p.Objects)).ToList();
        var oldDefinitions = Definitions(oldObjects);
        var newDefinitions = Definitions(newObjects);
        var oldRules = Rules(oldObjects);
        var newRules = Rules(newObjects);
        var goneOrChanged = oldDefinitions.Values.Where(o => !newDefinitions.TryGetValue(Id(o), out var now) || !now.Equals(o)).ToList();
        var comingOrChanged = newDefinitions.Values.Where(o => !oldDefinitions.TryGetValue(Id(o), out var was) || !was.Equals(o)).ToList();
        // A chain that stays is rewritten (flushed, then filled again) when its rules differ, or refer to a set that is
        // recreated: nft deletes no set a rule still uses.
        var recreated = goneOrChanged.OfType<NftSet>().Select(s => "@" + s.Name).ToHashSet(StringComparer.Ordinal);
        var rewritten = newDefinitions.Values.OfType<NftChain>()
            .Where(c => oldDefinitions.TryGetValue(Id(c), out var was) && was.Equals(c)
                && (!oldRules[c.Name].SequenceEqual(newRules[c.Name]) || oldRules[c.Name].Any(r => r.Text.Split(' ').Any(recreated.Contains))))
            .ToList();

        var transaction = new NftTransaction();
        foreach (var group in Grouped(deletes, desired.Family))
        {
            transaction.Delete(group);
        }
        // Chains lose their rules before anything they refer to (other chains, sets) goes.
        foreach (var chain in goneOrChanged.OfType<NftChain>().Concat(rewritten))
        {
            transaction.Flush(chain);
        }
        foreach (var chain in goneOrChanged.OfType<NftChain>())
        {
            transaction.Delete(chain);
        }
        foreach (var set in goneOrChanged.OfType<NftSet>())
        {
            transaction.Delete(set);
        }
        foreach (var item in Ordered(comingOrChanged))
        {
            transaction.Add(item);
        }
        foreach (var chain in comingOrChanged.OfType<NftChain>().Concat(rewritten))
        {
            foreach (var rule in newRules[chain.Name])
            {
                transaction.Add(rule);
            }
        }
        foreach (var group in Grouped(adds, desired.Family))
        {
            transaction.Add(group);
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

    /// <summary>Creation order: sets and maps, then chains, then rules (which refer to both), keeping the given order within each.</summary>
    private static IEnumerable<NftObject> Ordered(IReadOnlyList<NftObject> items) =>
        items.OfType<NftSet>().Cast<NftObject>().Concat(items.OfType<NftChain>()).Concat(items.OfType<NftRule>());

    private static NftTransaction AddElements(NftTransaction transaction, IEnumerable<NftElements> elements)
    {
        foreach (var group in elements)
        {
            transaction.Add(group);
        }
        return transaction;
    }

    private static IEnumerable<NftElements> Grouped(IEnumerable<(string Set, NftElement Element)> elements, string family) =>
        elements.GroupBy(e => e.Set, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new NftElements(family, NftNames.Table, g.Key, [.. g.Select(e => e.Element).OrderBy(e => e.Key, StringComparer.Ordinal)]));

    /// <summary>Sets and chains by kind and name (sets and chains have separate name spaces in nft).</summary>
    private static Dictionary<string, NftObject> Definitions(IEnumerable<NftObject> objects) =>
        objects.Where(o => o is not NftRule).GroupBy(Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private static ILookup<string, NftRule> Rules(IEnumerable<NftObject> objects) => objects.OfType<NftRule>().ToLookup(r => r.Chain, StringComparer.Ordinal);

    private static string Id(NftObject item) => item switch
    {
        NftSet set => "set " + set.Name,
        NftChain chain => "chain " + chain.Name,
        _ => throw new ArgumentException($"{item} has no name", nameof(item)),
    };
}
