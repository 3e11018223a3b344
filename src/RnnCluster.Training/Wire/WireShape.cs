using System.Reflection;
using MessagePack;

namespace RnnCluster.Training.Wire;

/// <summary>
/// MessagePack reads a missing or nil field as null (or 0) without complaint, so a truncated or
/// forged payload would deserialize into a message whose non-nullable members are null and crash
/// the receiving actor. This checks what MessagePack does not: the message is an array of exactly
/// its keys, and no non-nullable reference member (nested records and string elements included) is null.
/// </summary>
internal static class WireShape
{
    private sealed record Member(PropertyInfo Property, bool Required, bool ElementsRequired);

    private static readonly Dictionary<Type, Member[]> Members = Build();

    /// <summary>The problem with <paramref name="bytes"/> as a <paramref name="type"/> before deserializing, or null.</summary>
    public static string? CheckArity(ReadOnlyMemory<byte> bytes, Type type)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.End || reader.NextMessagePackType != MessagePackType.Array)
            return null; // MessagePack itself rejects anything that is not an array
        int count = reader.ReadArrayHeader();
        int keys = Members[type].Length;
        return count == keys ? null : $"an array of {count} fields, the message has {keys}";
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
            var keyed = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetCustomAttribute<KeyAttribute>() is not null)
                .OrderBy(p => p.GetCustomAttribute<KeyAttribute>()!.IntKey)
                .Select(p =>
                {
                    var nullability = context.Create(p);
                    return new Member(p,
                        !p.PropertyType.IsValueType && nullability.ReadState == NullabilityState.NotNull,
                        nullability.ElementType is { ReadState: NullabilityState.NotNull } && !p.PropertyType.GetElementType()!.IsValueType);
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
