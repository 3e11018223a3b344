using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

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
