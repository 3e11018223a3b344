using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// exp, sigmoid and tanh on Vector512 lanes, built only from IEEE-exact operations (add, mul,
/// fma, div, round, min/max, exponent bit tricks), so every lane gives exactly the bits of the
/// scalar twin in <see cref="ScalarActivations"/> — on any CPU, at any vector width. The
/// runtime's own Exp/Tanh are not used because their scalar and vector paths may differ.
///
///   exp(x):    clamp x to [-87, 88]; n = round(x·log2 e); r = x − n·ln2 (two-part ln2);
///              exp(x) = 2ⁿ · (1 + r + r²·P(r))       (Cephes expf polynomial, ≈ 1 ulp)
///   sigmoid:   1 / (1 + exp(−x))
///   tanh:      |x| &lt; 0.625: x + x·z·Q(z), z = x²     (Cephes tanhf polynomial)
///              otherwise:  1 − 2 / (1 + exp(2x))
/// </summary>
public static class VectorActivations
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(ActivationConstants.ExpLow)), Vector512.Create(ActivationConstants.ExpHigh));
        var n = Vector512.Round(x * Vector512.Create(ActivationConstants.Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-ActivationConstants.Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-ActivationConstants.Ln2Lo), r);
        var z = r * r;
        var y = Vector512.Create(ActivationConstants.P0);
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(ActivationConstants.P1));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(ActivationConstants.P2));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(ActivationConstants.P3));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(ActivationConstants.P4));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(ActivationConstants.P5));
        y = Vector512.FusedMultiplyAdd(y, z, r);
        y += Vector512<float>.One;
        var pow2 = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return y * pow2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) =>
        Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var z = x * x;
        var q = Vector512.Create(ActivationConstants.T0);
        q = Vector512.FusedMultiplyAdd(q, z, Vector512.Create(ActivationConstants.T1));
        q = Vector512.FusedMultiplyAdd(q, z, Vector512.Create(ActivationConstants.T2));
        q = Vector512.FusedMultiplyAdd(q, z, Vector512.Create(ActivationConstants.T3));
        q = Vector512.FusedMultiplyAdd(q, z, Vector512.Create(ActivationConstants.T4));
        var small = Vector512.FusedMultiplyAdd(q * z, x, x);
        var e = Exp(x + x);
        var large = Vector512<float>.One - Vector512.Create(2f) / (Vector512<float>.One + e);
        var isSmall = Vector512.LessThan(Vector512.Abs(x), Vector512.Create(ActivationConstants.TanhSmall));
        return Vector512.ConditionalSelect(isSmall, small, large);
    }
}

/// <summary>The scalar twins of <see cref="VectorActivations"/>: the same operations in the same order.</summary>
public static class ScalarActivations
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        x = x < ActivationConstants.ExpLow ? ActivationConstants.ExpLow : x;
        x = x > ActivationConstants.ExpHigh ? ActivationConstants.ExpHigh : x;
        float n = MathF.Round(x * ActivationConstants.Log2E, MidpointRounding.ToEven);
        float r = MathF.FusedMultiplyAdd(n, -ActivationConstants.Ln2Hi, x);
        r = MathF.FusedMultiplyAdd(n, -ActivationConstants.Ln2Lo, r);
        float z = r * r;
        float y = ActivationConstants.P0;
        y = MathF.FusedMultiplyAdd(y, r, ActivationConstants.P1);
        y = MathF.FusedMultiplyAdd(y, r, ActivationConstants.P2);
        y = MathF.FusedMultiplyAdd(y, r, ActivationConstants.P3);
        y = MathF.FusedMultiplyAdd(y, r, ActivationConstants.P4);
        y = MathF.FusedMultiplyAdd(y, r, ActivationConstants.P5);
        y = MathF.FusedMultiplyAdd(y, z, r);
        y += 1f;
        float pow2 = BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
        return y * pow2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float z = x * x;
        float q = ActivationConstants.T0;
        q = MathF.FusedMultiplyAdd(q, z, ActivationConstants.T1);
        q = MathF.FusedMultiplyAdd(q, z, ActivationConstants.T2);
        q = MathF.FusedMultiplyAdd(q, z, ActivationConstants.T3);
        q = MathF.FusedMultiplyAdd(q, z, ActivationConstants.T4);
        float small = MathF.FusedMultiplyAdd(q * z, x, x);
        float e = Exp(x + x);
        float large = 1f - 2f / (1f + e);
        return MathF.Abs(x) < ActivationConstants.TanhSmall ? small : large;
    }
}

internal static class ActivationConstants
{
    // Clamp so that round(x·log2 e) stays in [-126, 127]: 2ⁿ is then a normal float.
    public const float ExpLow = -87f;
    public const float ExpHigh = 88f;
    public const float Log2E = 1.44269504088896341f;
    public const float Ln2Hi = 0.693359375f;
    public const float Ln2Lo = -2.12194440e-4f;
    public const float P0 = 1.9875691500e-4f;
    public const float P1 = 1.3981999507e-3f;
    public const float P2 = 8.3334519073e-3f;
    public const float P3 = 4.1665795894e-2f;
    public const float P4 = 1.6666665459e-1f;
    public const float P5 = 5.0000001201e-1f;
    public const float TanhSmall = 0.625f;
    public const float T0 = -5.70498872745e-3f;
    public const float T1 = 2.06390887954e-2f;
    public const float T2 = -5.37397155531e-2f;
    public const float T3 = 1.33314422036e-1f;
    public const float T4 = -3.33332819422e-1f;
}
