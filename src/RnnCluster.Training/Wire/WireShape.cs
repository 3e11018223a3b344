using System.Reflection;
using MessagePack;

namespace RnnCluster.Training.Wire;

/// <summary>
/// MessagePack reads a missing or nil field as null (or 0) without complaint, so a truncated or
/// forged payload would deserialize into a message whose non-nullable members are null and crash
/// the receiving actor. This checks what MessagePack does not: the message is an array of exactly
/// its keys, and no non-nullable reference member (nested records and string elements included) is null.
/// Trailing nullable members with a default (fields added to a message later) may be absent: a payload
/// written before they existed reads them as null.
/// </summary>
internal static class WireShape
{
    private sealed record Member(PropertyInfo Property, bool Required, bool ElementsRequired, bool Optional);

    private static readonly Dictionary<Type, Member[]> Members = Build();

    /// <summary>The problem with <paramref name="bytes"/> as a <paramref name="type"/> before deserializing, or null.</summary>
    public static string? CheckArity(ReadOnlyMemory<byte> bytes, Type type)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.End || reader.NextMessagePackType != MessagePackType.Array)
            return null; // MessagePack itself rejects anything that is not an array
        int count = reader.ReadArrayHeader();
        var members = Members[type];
        int keys = members.Length, least = keys;
        while (least > 0 && members[least - 1].Optional)
            least--;
        return count >= least && count <= keys ? null
            : least == keys ? $"an array of {count} fields, the message has {keys}"
            : $"an array of {count} fields, the message has {least} to {keys}";
    }

    /// <summary>The path of the first non-nullable member that is null, or null.</summary>
    public static string? FirstMissing(object value, string path)
    {
        foreach (var member in Members[value.GetType()])
        {
            object? field = member.Property.GetValue(value);
            string at = $"{path}.{member.Property.Name}";
            if (field is null)
            {
                if (member.Required)
                    return at;
                continue;
            }
            if (member.ElementsRequired && field is object?[] elements && Array.IndexOf(elements, null) is var i and >= 0)
                return $"{at}[{i}]";
            if (Members.ContainsKey(field.GetType()) && FirstMissing(field, at) is { } nested)
                return nested;
        }
        return null;
    }

    private static Dictionary<Type, Member[]> Build()
    {
        var context = new NullabilityInfoContext();
        var members = new Dictionary<Type, Member[]>();
        var pending = new Queue<Type>(MessageManifests.Types);
        while (pending.TryDequeue(out var type))
        {
            if (members.ContainsKey(type))
                continue;
            var defaults = type.GetConstructors().SelectMany(c => c.GetParameters()).Where(p => p.HasDefaultValue)
                .Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var keyed = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetCustomAttribute<KeyAttribute>() is not null)
                .OrderBy(p => p.GetCustomAttribute<KeyAttribute>()!.IntKey)
                .Select(p =>
                {
                    var nullability = context.Create(p);
                    bool required = !p.PropertyType.IsValueType && nullability.ReadState == NullabilityState.NotNull;
                    return new Member(p, required,
                        nullability.ElementType is { ReadState: NullabilityState.NotNull } && !p.PropertyType.GetElementType()!.IsValueType,
                        Optional: !required && !p.PropertyType.IsValueType && defaults.Contains(p.Name));
                })
                .ToArray();
            members[type] = keyed;
            foreach (var p in keyed.Select(m => m.Property.PropertyType))
                if (p.GetCustomAttribute<MessagePackObjectAttribute>() is not null)
                    pending.Enqueue(p);
        }
        return members;
    }
}
