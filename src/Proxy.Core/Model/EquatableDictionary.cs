using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Proxy.Core.Model;

/// <summary>
/// An immutable dictionary with value equality: equal when both hold the same keys with equal values, whatever
/// the order they were added in (records compare <see cref="ImmutableDictionary{TKey, TValue}"/> by reference).
/// Keys and values compare with the comparers of the dictionary it wraps.
/// </summary>
public readonly struct EquatableDictionary<TKey, TValue> : IEquatable<EquatableDictionary<TKey, TValue>>, IReadOnlyDictionary<TKey, TValue>
    where TKey : notnull
{
    private readonly ImmutableDictionary<TKey, TValue>? items;

    /// <summary>Computed once, order-independent: the node context is compared at every sync.</summary>
    private readonly int hash;

    public EquatableDictionary(ImmutableDictionary<TKey, TValue> items)
    {
        this.items = items;
        var combined = 0;
        foreach (var (key, value) in items)
        {
            // Summing per-entry hashes makes the result independent of the dictionary's enumeration order.
            combined += HashCode.Combine(items.KeyComparer.GetHashCode(key), value is null ? 0 : items.ValueComparer.GetHashCode(value));
        }
        hash = combined;
    }

    public static EquatableDictionary<TKey, TValue> Empty => new(ImmutableDictionary<TKey, TValue>.Empty);

    private ImmutableDictionary<TKey, TValue> Items => items ?? ImmutableDictionary<TKey, TValue>.Empty;

    public ImmutableDictionary<TKey, TValue> AsImmutableDictionary() => Items;

    public int Count => Items.Count;

    public IEnumerable<TKey> Keys => Items.Keys;

    public IEnumerable<TValue> Values => Items.Values;

    public TValue this[TKey key] => Items[key];

    public bool ContainsKey(TKey key) => Items.ContainsKey(key);

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => Items.TryGetValue(key, out value);

    public bool Equals(EquatableDictionary<TKey, TValue> other)
    {
        if (hash != other.hash || Count != other.Count)
        {
            return false;
        }
        var mine = Items;
        var theirs = other.Items;
        foreach (var (key, value) in mine)
        {
            if (!theirs.TryGetValue(key, out var otherValue) || !mine.ValueComparer.Equals(value, otherValue))
            {
                return false;
            }
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is EquatableDictionary<TKey, TValue> other && Equals(other);

    public override int GetHashCode() => hash;

    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator() => Items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{{{string.Join(", ", Items.Select(i => $"{i.Key}={i.Value}").Order(StringComparer.Ordinal))}}}";

    public static bool operator ==(EquatableDictionary<TKey, TValue> left, EquatableDictionary<TKey, TValue> right) => left.Equals(right);

    public static bool operator !=(EquatableDictionary<TKey, TValue> left, EquatableDictionary<TKey, TValue> right) => !left.Equals(right);

    public static implicit operator EquatableDictionary<TKey, TValue>(ImmutableDictionary<TKey, TValue> items) => new(items);
}
