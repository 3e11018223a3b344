namespace RnnCluster.Core.Kernels;

/// <summary>Validation of buffers that arrive from elsewhere (a worker's gradient, a loaded checkpoint).</summary>
public static class FiniteCheck
{
    /// <summary>True when no value is NaN or ±∞.</summary>
    public static bool All(ReadOnlySpan<float> values) => Elementwise.AllFinite(values);
}
