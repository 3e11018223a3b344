namespace RnnCluster.Core.Optim;

/// <summary>
/// Transcendental functions that feed the training trajectory, built from IEEE-exact double
/// operations only. Math.Pow and Math.Cos come from the platform's C library, whose last bit may
/// differ between machines; these give the same bits everywhere.
/// </summary>
public static class DeterministicMath
{
    /// <summary>xⁿ by binary exponentiation (n ≥ 0).</summary>
    public static double Pow(double x, long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        double result = 1.0, power = x;
        while (n > 0)
        {
            if ((n & 1) != 0)
                result *= power;
            power *= power;
            n >>= 1;
        }
        return result;
    }

    /// <summary>cos x for x in [0, π] by its Taylor series around π/2 (|error| &lt; 1e-15).</summary>
    public static double Cos(double x)
    {
        if (!(x >= 0 && x <= Math.PI))
            throw new ArgumentOutOfRangeException(nameof(x), x, "Defined on [0, π] only.");
        // cos x = −sin(x − π/2); the series of sin around 0 converges fast for |u| ≤ π/2.
        double u = x - Math.PI / 2, u2 = u * u, term = u, sum = u;
        for (int k = 1; k < 14; k++)
        {
            term *= -u2 / ((2 * k) * (2 * k + 1));
            sum += term;
        }
        return -sum;
    }
}
