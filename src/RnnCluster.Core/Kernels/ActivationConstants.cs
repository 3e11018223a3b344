using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

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
