using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

internal readonly unsafe struct Lanes1 : ILanes<Lanes1>
{
    private readonly float _v;

    private Lanes1(float v) => _v = v;

    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Load(float* p) => new(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes1 value, float* p) => *p = value._v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Splat(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator +(Lanes1 a, Lanes1 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator -(Lanes1 a, Lanes1 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator *(Lanes1 a, Lanes1 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 operator /(Lanes1 a, Lanes1 b) => new(a._v / b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Fma(Lanes1 a, Lanes1 b, Lanes1 c) => new(MathF.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Sigmoid(Lanes1 x) => new(ScalarActivations.Sigmoid(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Tanh(Lanes1 x) => new(ScalarActivations.Tanh(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Exp(Lanes1 x) => new(ScalarActivations.Exp(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Sqrt(Lanes1 x) => new(MathF.Sqrt(x._v));
}
