using System.Collections;
using System.Reflection;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>
/// Field-by-field comparison of wire records (records compare arrays by reference, so their own
/// Equals cannot tell a faithful copy): public instance properties recursively, arrays element by
/// element, byte arrays by content, floating-point values bit for bit.
/// </summary>
internal static class Structural
{
    /// <summary>The path of the first difference, or null when the two are equal.</summary>
    public static string? FirstDifference(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
            return expected is null && actual is null ? null : $"{path}: {Show(expected)} vs {Show(actual)}";
        if (expected.GetType() != actual.GetType())
            return $"{path}: type {expected.GetType().Name} vs {actual.GetType().Name}";
        switch (expected)
        {
            case TensorBlob blob:
                return FirstDifference(blob.Array, ((TensorBlob)actual).Array, path);
            case byte[] e:
                var a = (byte[])actual;
                if (e.Length != a.Length)
                    return $"{path}: {e.Length} bytes vs {a.Length} bytes";
                int at = e.AsSpan().CommonPrefixLength(a);
                return at == e.Length ? null : $"{path}[{at}]: 0x{e[at]:x2} vs 0x{a[at]:x2}";
            case float e:
                return BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits((float)actual) ? null : $"{path}: {e:R} vs {actual:R}";
            case double e:
                return BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits((double)actual) ? null : $"{path}: {e:R} vs {actual:R}";
            case string or Enum or IConvertible:
                return expected.Equals(actual) ? null : $"{path}: {Show(expected)} vs {Show(actual)}";
            case Array e:
                var other = (Array)actual;
                if (e.Length != other.Length)
                    return $"{path}: {e.Length} elements vs {other.Length}";
                for (int i = 0; i < e.Length; i++)
                {
                    var difference = FirstDifference(e.GetValue(i), other.GetValue(i), $"{path}[{i}]");
                    if (difference is not null)
                        return difference;
                }
                return null;
        }
        var properties = Properties(expected.GetType());
        if (properties.Count == 0)
            throw new InvalidOperationException($"{path}: don't know how to compare a {expected.GetType().Name}.");
        foreach (var property in properties)
        {
            var difference = FirstDifference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            if (difference is not null)
                return difference;
        }
        return null;
    }

    /// <summary>Paths of members that hold their type's default (0, false, null, "", empty array): a sample should have none.</summary>
    public static IEnumerable<string> DefaultMembers(object value, string path = "$")
    {
        foreach (var property in Properties(value.GetType()))
        {
            object? member = property.GetValue(value);
            string at = $"{path}.{property.Name}";
            if (member is TensorBlob blob)
                member = blob.Array;
            if (member is null || member is string { Length: 0 } || member is ICollection { Count: 0 }
                || (member.GetType().IsValueType && member.Equals(Activator.CreateInstance(member.GetType()))))
                yield return at;
            else if (member is not string && member is not IConvertible && member is not Array && !member.GetType().IsValueType)
                foreach (var nested in DefaultMembers(member, at))
                    yield return nested;
        }
    }

    private static List<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? "?",
    };
}
