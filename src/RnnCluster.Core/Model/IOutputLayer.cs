namespace RnnCluster.Core.Model;

/// <summary>
/// The model's last stage: top hidden states (rows, H) → a distribution over the V tokens, its
/// cross-entropy and the gradients of its own tensors. One instance per model (per thread).
/// </summary>
internal unsafe interface IOutputLayer : IDisposable
{
    /// <summary>Packs the weights the products reuse; called whenever the parameters change.</summary>
    void PackWeights(float* p);

    /// <summary>
    /// Σ loss over the rows (nats, double). Writes d(scale · Σ loss) for the output tensors into
    /// <paramref name="g"/>, calls <paramref name="parametersFinal"/>, then writes dtop (rows, H).
    /// </summary>
    double ForwardBackward(float* p, float* g, float* top, ReadOnlySpan<int> targets, int rows, float scale, float* dTop, Action? parametersFinal);

    /// <summary>Σ loss over the rows, no gradients.</summary>
    double Loss(float* p, float* top, ReadOnlySpan<int> targets, int rows);

    /// <summary>(rows, V) scores whose softmax is the model's distribution (logits, or log-probabilities).</summary>
    void Scores(float* p, float* top, int rows, float* dst);
}
