using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// A number of float lanes processed together. Element-wise kernels are written once, generic
/// over the lane type, and instantiated for <see cref="Lanes16"/> (main loop) and
/// <see cref="Lanes1"/> (tail): the same operations in the same order by construction, so the
/// tail of a row gives exactly the bits the vector loop would have given.
/// </summary>
internal unsafe interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Load(float* p);
    static abstract void Store(TSelf value, float* p);
    static abstract TSelf Splat(float value);
    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Sigmoid(TSelf x);
    static abstract TSelf Tanh(TSelf x);
    static abstract TSelf Exp(TSelf x);
    /// <summary>Correctly rounded square root (IEEE).</summary>
    static abstract TSelf Sqrt(TSelf x);
}

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
