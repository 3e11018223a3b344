using Microsoft.ML.OnnxRuntime;

namespace RnnCluster.Interop.Tests;

/// <summary>
/// An exported model in ONNX Runtime, called as a user would: tokens and states in, logits (or an
/// adaptive model's log-probabilities) and states out, read by position as the graph declares them.
/// </summary>
internal sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxSession(byte[] model, int layers, int hidden, bool lstm)
    {
        _session = new InferenceSession(model);
        Layers = layers;
        Hidden = hidden;
        Lstm = lstm;
    }

    public int Layers { get; }

    public int Hidden { get; }

    public bool Lstm { get; }

    public IReadOnlyList<string> InputNames => _session.InputMetadata.Keys.ToList();

    public IReadOnlyList<string> OutputNames => _session.OutputMetadata.Keys.ToList();

    public float[] ZeroState(int batch) => new float[Layers * batch * Hidden];

    /// <summary>tokens (batch, time) row-major; returns the first output (batch, time, V) and the final states.</summary>
    public (float[] Logits, float[] H, float[] C) Run(long[] tokens, int batch, int time, float[] h, float[] c)
    {
        long[] stateShape = [Layers, batch, Hidden];
        var inputs = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(tokens, [batch, time]),
            OrtValue.CreateTensorValueFromMemory(h, stateShape),
        };
        var names = new List<string> { "tokens", "h0" };
        if (Lstm)
        {
            inputs.Add(OrtValue.CreateTensorValueFromMemory(c, stateShape));
            names.Add("c0");
        }
        var outputs = OutputNames;
        try
        {
            using var options = new RunOptions();
            using var results = _session.Run(options, names, inputs, outputs);
            return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray(),
                Lstm ? results[2].GetTensorDataAsSpan<float>().ToArray() : c);
        }
        finally
        {
            foreach (var input in inputs)
                input.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
