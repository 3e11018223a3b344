using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Optim;

/// <summary>
/// Applies one update to the flat parameter buffer from the flat (already reduced) gradient:
/// global-norm clipping, the learning-rate schedule, then the optimizer rule. The optimizer
/// state is one flat buffer too (e.g. Adam: [m | v]), so it is saved and sent as one span.
/// </summary>
public sealed unsafe class Optimizer
{
    public Optimizer(OptimizerSettings settings, LrSchedule schedule, float clipNorm, int parameterCount)
    {
        Settings = settings;
        Schedule = schedule;
        ClipNorm = clipNorm;
        ParameterCount = parameterCount;
        StateSize = StateSizeFor(settings, parameterCount);
    }

    public OptimizerSettings Settings { get; }

    public LrSchedule Schedule { get; }

    public float ClipNorm { get; }

    public int ParameterCount { get; }

    public int StateSize { get; }

    public static int StateSizeFor(OptimizerSettings settings, int parameterCount) => settings.Kind switch
    {
        OptimizerKind.Adam or OptimizerKind.AdamW => checked(2 * parameterCount),
        OptimizerKind.Sgd => settings.Momentum > 0f ? parameterCount : 0,
        OptimizerKind.RmsProp => settings.Momentum > 0f ? checked(2 * parameterCount) : parameterCount,
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Unknown optimizer."),
    };

    /// <summary>
    /// Clips <paramref name="gradient"/> in place and applies update number <paramref name="step"/>
    /// (0-based: the first update is step 0). Throws <see cref="NonFiniteGradientException"/>, changing
    /// nothing, when the gradient holds NaN or ∞.
    /// </summary>
    public UpdateResult Apply(Span<float> parameters, Span<float> gradient, Span<float> state, long step)
    {
        if (parameters.Length != ParameterCount || gradient.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters and gradients, got {parameters.Length} and {gradient.Length}.");
        if (state.Length != StateSize)
            throw new ArgumentException($"Expected optimizer state of {StateSize} values, got {state.Length}.", nameof(state));
        ArgumentOutOfRangeException.ThrowIfNegative(step);

        double norm = Math.Sqrt(Reductions.SumOfSquares(gradient));
        if (!double.IsFinite(norm))
            throw new NonFiniteGradientException(step, norm);
        bool clipped = false;
        if (ClipNorm > 0f && norm > ClipNorm)
        {
            Scale(gradient, (float)(ClipNorm / (norm + 1e-6)));
            clipped = true;
        }

        float lr = LearningRates.At(Settings.LearningRate, Schedule, step);
        int n = ParameterCount;
        fixed (float* p = parameters)
        fixed (float* g = gradient)
        fixed (float* s = state)
        {
            switch (Settings.Kind)
            {
                case OptimizerKind.Adam:
                case OptimizerKind.AdamW:
                    OptimizerKernels.Adam(p, g, s, s + n, n, AdamCoefficients(lr, step));
                    break;
                case OptimizerKind.Sgd:
                    OptimizerKernels.Sgd(p, g, StateSize > 0 ? s : null, n, lr, Settings.Momentum);
                    break;
                case OptimizerKind.RmsProp:
                    OptimizerKernels.RmsProp(p, g, s, Settings.Momentum > 0f ? s + n : null, n, lr, Settings.Alpha, Settings.Epsilon, Settings.Momentum);
                    break;
            }
        }
        return new UpdateResult(norm, clipped, lr);
    }

    internal OptimizerKernels.AdamCoefficients AdamCoefficients(float lr, long step)
    {
        double bc1 = 1 - DeterministicMath.Pow(Settings.Beta1, step + 1);
        double bc2 = 1 - DeterministicMath.Pow(Settings.Beta2, step + 1);
        bool decoupled = Settings.Kind == OptimizerKind.AdamW;
        return new OptimizerKernels.AdamCoefficients(
            Settings.Beta1, Settings.Beta2,
            StepSize: (float)(lr / bc1),
            Bc2Sqrt: (float)Math.Sqrt(bc2),
            Settings.Epsilon,
            L2: decoupled ? 0f : Settings.WeightDecay,
            Decay: decoupled ? 1f - lr * Settings.WeightDecay : 1f);
    }

    private static void Scale(Span<float> x, float s)
    {
        fixed (float* p = x)
            Elementwise.Scale(p, s, x.Length);
    }
}
