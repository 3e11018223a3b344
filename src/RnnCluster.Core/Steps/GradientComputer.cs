using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Steps;

/// <summary>
/// gradient(parameters, s, m): the loss and gradient of micro-batch m of step s, a pure
/// function of (parameters, corpus, settings, s, m). The windows come from the
/// <see cref="WindowSampler"/>, the dropout masks from (seed, s, m), and the gradient is scaled
/// by 1 / (B·T) so that the M micro-batch gradients sum to the mean over the global batch.
/// One instance per thread (it owns a model replica and its activations).
/// </summary>
public sealed class GradientComputer : IDisposable
{
    private readonly RecurrentLanguageModel _model;
    private readonly WindowSampler _sampler;
    private readonly ReadOnlyMemory<int> _corpus;
    private readonly int[] _offsets;
    private readonly int[] _inputs;
    private readonly int[] _targets;

    public GradientComputer(ModelDescription model, TrainingSettings settings, ReadOnlyMemory<int> trainTokens)
    {
        settings.Validate();
        Settings = settings;
        _corpus = trainTokens;
        _sampler = new WindowSampler(trainTokens.Length, settings.SeqLen, settings.Seed);
        int b = settings.MicroBatchSize;
        _model = new RecurrentLanguageModel(model, b, settings.SeqLen);
        _offsets = new int[b];
        _inputs = new int[b * settings.SeqLen];
        _targets = new int[b * settings.SeqLen];
        GradientScale = 1f / ((float)settings.Batch * settings.SeqLen);
    }

    public TrainingSettings Settings { get; }

    public ParameterLayout Layout => _model.Layout;

    public float GradientScale { get; }

    public int TokensPerMicroBatch => Settings.MicroBatchSize * Settings.SeqLen;

    public void SetParameters(ReadOnlySpan<float> parameters) => _model.LoadParameters(parameters);

    /// <param name="gradientFinalFrom">See <see cref="RecurrentLanguageModel.ForwardBackward"/>: told o when gradient[o..] is final.</param>
    public MicroBatchLoss Compute(long step, int microBatch, Span<float> gradient, Action<int>? gradientFinalFrom = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if ((uint)microBatch >= (uint)Settings.MicroBatches)
            throw new ArgumentOutOfRangeException(nameof(microBatch), microBatch, $"Micro-batch outside [0, {Settings.MicroBatches}).");
        int b = Settings.MicroBatchSize, t = Settings.SeqLen;
        _sampler.MicroBatchOffsets(step, microBatch, Settings.Batch, Settings.MicroBatches, _offsets);
        WindowSampler.FillBatch(_corpus.Span, _offsets, t, _inputs, _targets);
        double loss = _model.ForwardBackward(_inputs, _targets, b, t, new DropoutKey(Settings.Seed, step, microBatch), GradientScale, gradient, gradientFinalFrom);
        return new MicroBatchLoss(loss, b * t);
    }

    public void Dispose() => _model.Dispose();
}
