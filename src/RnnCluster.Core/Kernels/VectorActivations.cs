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
