using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// exp, sigmoid and tanh on Vector256 lanes: the formulas of <see cref="VectorActivations"/>, operation
/// for operation, so an AVX2 host (16 ymm registers, no Vector512 in hardware) computes the same bits
/// at its native width instead of running Vector512 in software.
/// </summary>
public static class VectorActivations256
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(ActivationConstants.ExpLow)), Vector256.Create(ActivationConstants.ExpHigh));
        var n = Vector256.Round(x * Vector256.Create(ActivationConstants.Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-ActivationConstants.Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-ActivationConstants.Ln2Lo), r);
        var z = r * r;
        var y = Vector256.Create(ActivationConstants.P0);
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(ActivationConstants.P1));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(ActivationConstants.P2));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(ActivationConstants.P3));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(ActivationConstants.P4));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(ActivationConstants.P5));
        y = Vector256.FusedMultiplyAdd(y, z, r);
        y += Vector256<float>.One;
        var pow2 = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return y * pow2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) =>
        Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var z = x * x;
        var q = Vector256.Create(ActivationConstants.T0);
        q = Vector256.FusedMultiplyAdd(q, z, Vector256.Create(ActivationConstants.T1));
        q = Vector256.FusedMultiplyAdd(q, z, Vector256.Create(ActivationConstants.T2));
        q = Vector256.FusedMultiplyAdd(q, z, Vector256.Create(ActivationConstants.T3));
        q = Vector256.FusedMultiplyAdd(q, z, Vector256.Create(ActivationConstants.T4));
        var small = Vector256.FusedMultiplyAdd(q * z, x, x);
        var e = Exp(x + x);
        var large = Vector256<float>.One - Vector256.Create(2f) / (Vector256<float>.One + e);
        var isSmall = Vector256.LessThan(Vector256.Abs(x), Vector256.Create(ActivationConstants.TanhSmall));
        return Vector256.ConditionalSelect(isSmall, small, large);
    }
}
