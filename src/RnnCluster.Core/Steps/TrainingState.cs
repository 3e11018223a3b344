using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Steps;

/// <summary>
/// The authoritative state of a run: parameters, optimizer state and the number of updates
/// applied (the step). The parameter server owns one; the reference trainer owns one too.
/// </summary>
public sealed class TrainingState
{
    private readonly Optimizer _optimizer;
    private readonly float[] _gradient;

    public TrainingState(ModelDescription model, TrainingSettings settings, float[] parameters, float[] optimizerState, long step)
    {
        settings.Validate();
        Layout = new ParameterLayout(model);
        if (parameters.Length != Layout.TotalSize)
            throw new ArgumentException($"Expected {Layout.TotalSize} parameters for {model}, got {parameters.Length}.", nameof(parameters));
        _optimizer = new Optimizer(settings.Optimizer, settings.Schedule, settings.ClipNorm, Layout.TotalSize);
        if (optimizerState.Length != _optimizer.StateSize)
            throw new ArgumentException($"Expected optimizer state of {_optimizer.StateSize} values, got {optimizerState.Length}.", nameof(optimizerState));
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        Model = model;
        Settings = settings;
        Parameters = parameters;
        OptimizerState = optimizerState;
        Step = step;
        _gradient = new float[Layout.TotalSize];
    }

    /// <summary>A fresh run: parameters initialised from the seed, zero optimizer state, step 0.</summary>
    public static TrainingState Initial(ModelDescription model, TrainingSettings settings)
    {
        var layout = new ParameterLayout(model);
        return new TrainingState(model, settings, ParameterInitializer.Create(layout, settings.Seed),
            new float[Optimizer.StateSizeFor(settings.Optimizer, layout.TotalSize)], 0);
    }

    public ModelDescription Model { get; }

    public TrainingSettings Settings { get; }

    public ParameterLayout Layout { get; }

    public float[] Parameters { get; }

    public float[] OptimizerState { get; }

    /// <summary>The threads an update runs on (the caller alone by default); the bytes do not depend on them.</summary>
    public Kernels.BlockParallel Parallel
    {
        get => _optimizer.Parallel;
        set => _optimizer.Parallel = value;
    }

    /// <summary>Updates applied so far; the next update is for step <see cref="Step"/>.</summary>
    public long Step { get; private set; }

    /// <summary>
    /// Applies the reduced gradient of step <see cref="Step"/> (clip, schedule, optimizer) and
    /// advances the step. A non-finite gradient throws and changes nothing.
    /// </summary>
    /// <summary>Like <see cref="Apply"/>, but clips <paramref name="gradient"/> in place instead of copying it first.</summary>
    public UpdateResult ApplyInPlace(Span<float> gradient)
    {
        var result = _optimizer.Apply(Parameters, gradient, OptimizerState, Step);
        Step++;
        return result;
    }

    /// <param name="scale">Multiplies the gradient first (async mode applies single micro-batches).</param>
    public unsafe UpdateResult Apply(ReadOnlySpan<float> reducedGradient, float scale = 1f)
    {
        reducedGradient.CopyTo(_gradient);
        if (scale != 1f)
            fixed (float* g = _gradient)
                Kernels.Elementwise.Scale(g, scale, _gradient.Length);
        var result = _optimizer.Apply(Parameters, _gradient, OptimizerState, Step);
        Step++;
        return result;
    }
}
