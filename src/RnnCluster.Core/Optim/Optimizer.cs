using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Optim;

/// <summary>
/// Applies one update to the flat parameter buffer from the flat (already reduced) gradient:
/// global-norm clipping, the learning-rate schedule, then the optimizer rule. The optimizer
/// state is one flat buffer too (e.g. Adam: [m | v]), so it is saved and sent as one span.
/// The norm is <see cref="BlockNorm"/>'s; the clip and the rule are element-wise and run block by
/// block (on <see cref="Parallel"/>'s threads), so the bytes do not depend on the thread count.
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

    /// <summary>The threads the norm, the clip and the rule run on (the caller alone by default).</summary>
    public BlockParallel Parallel { get; set; } = BlockParallel.Sequential;

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

        return ApplySlice(parameters, gradient, state, step, BlockNorm.SumOfSquares(gradient, Parallel));
    }

    /// <summary>
    /// Applies update number <paramref name="step"/> to one slice of the buffer that starts on a
    /// <see cref="BlockNorm"/> block boundary (as a parameter-server shard holds it), given ‖g‖² of
    /// the whole gradient (<see cref="BlockNorm.Fold"/> of every holder's block sums). The slice's
    /// optimizer state has the whole state's sections (Adam: m, then v), each as long as the slice.
    /// The bytes are those of the same slice after a whole-buffer <see cref="Apply"/>.
    /// </summary>
    public UpdateResult ApplySlice(Span<float> parameters, Span<float> gradient, Span<float> state, long step, double sumOfSquares)
    {
        int n = parameters.Length;
        if (gradient.Length != n)
            throw new ArgumentException($"Expected {n} gradients for {n} parameters, got {gradient.Length}.", nameof(gradient));
        if (state.Length != StateSizeFor(Settings, n))
            throw new ArgumentException($"Expected optimizer state of {StateSizeFor(Settings, n)} values for {n} parameters, got {state.Length}.", nameof(state));
        ArgumentOutOfRangeException.ThrowIfNegative(step);

        double norm = Math.Sqrt(sumOfSquares);
        if (!double.IsFinite(norm))
            throw new NonFiniteGradientException(step, norm);
        bool clipped = ClipNorm > 0f && norm > ClipNorm;
        float clip = clipped ? (float)(ClipNorm / (norm + 1e-6)) : 1f;
        float lr = LearningRates.At(Settings.LearningRate, Schedule, step);
        var adam = Settings.Kind is OptimizerKind.Adam or OptimizerKind.AdamW ? AdamCoefficients(lr, step) : default;
        fixed (float* p = parameters)
        fixed (float* g = gradient)
        fixed (float* s = state)
        {
            nint pp = (nint)p, pg = (nint)g, ps = (nint)s;
            Parallel.For(BlockNorm.BlockCount(n), b =>
            {
                // Blocks start at multiples of 16, so every element meets the same vector lane as in one whole-buffer call.
                int start = b * BlockNorm.BlockSize, count = Math.Min(BlockNorm.BlockSize, n - start);
                if (clipped)
                    Elementwise.Scale((float*)pg + start, clip, count);
                Rule((float*)pp + start, (float*)pg + start, (float*)ps, n, start, count, lr, adam);
            });
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

    /// <summary>The rule over [start, start + count); the state's sections are each <paramref name="n"/> long.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rule(float* p, float* g, float* s, int n, int start, int count, float lr, OptimizerKernels.AdamCoefficients adam)
    {
        switch (Settings.Kind)
        {
            case OptimizerKind.Adam:
            case OptimizerKind.AdamW:
                OptimizerKernels.Adam(p, g, s + start, s + n + start, count, adam);
                break;
            case OptimizerKind.Sgd:
                OptimizerKernels.Sgd(p, g, Settings.Momentum > 0f ? s + start : null, count, lr, Settings.Momentum);
                break;
            case OptimizerKind.RmsProp:
                OptimizerKernels.RmsProp(p, g, s + start, Settings.Momentum > 0f ? s + n + start : null, count, lr, Settings.Alpha, Settings.Epsilon, Settings.Momentum);
                break;
        }
    }
}
