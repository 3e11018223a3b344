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
