using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

internal readonly unsafe struct Lanes16 : ILanes<Lanes16>
{
    private readonly Vector512<float> _v;

    private Lanes16(Vector512<float> v) => _v = v;

    public static int Count => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Load(float* p) => new(Vector512.Load(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes16 value, float* p) => value._v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Splat(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 operator +(Lanes16 a, Lanes16 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 operator -(Lanes16 a, Lanes16 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 operator *(Lanes16 a, Lanes16 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 operator /(Lanes16 a, Lanes16 b) => new(a._v / b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Fma(Lanes16 a, Lanes16 b, Lanes16 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Sigmoid(Lanes16 x) => new(VectorActivations.Sigmoid(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Tanh(Lanes16 x) => new(VectorActivations.Tanh(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Exp(Lanes16 x) => new(VectorActivations.Exp(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Sqrt(Lanes16 x) => new(Vector512.Sqrt(x._v));
}
