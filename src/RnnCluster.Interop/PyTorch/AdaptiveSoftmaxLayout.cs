using System.Globalization;
using System.Text.RegularExpressions;
using RnnCluster.Core.Model;
using RnnCluster.Interop.Safetensors;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// The adaptive softmax's tensors as the <c>state_dict</c> of PyTorch's
/// <c>nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs, div_value=4.0, head_bias=True)</c> held in the
/// attribute <c>head</c>, and back:
///
/// | ours (row-major)          | PyTorch                        | relation   |
/// |---------------------------|--------------------------------|------------|
/// | out.w (H, c₀ + K)         | head.head.weight (c₀ + K, H)   | transposed |
/// | out.b (c₀ + K)            | head.head.bias (c₀ + K)        | same       |
/// | out.tail{i}.proj (H, dᵢ)  | head.tail.{i}.0.weight (dᵢ, H) | transposed |
/// | out.tail{i}.w (dᵢ, sizeᵢ) | head.tail.{i}.1.weight (sizeᵢ, dᵢ) | transposed |
///
/// Nothing is permuted: PyTorch's head scores the shortlist then one entry per cluster, as ours
/// does, its cutoffs leave V out as ours do, and its projections are H // 4^(i+1) wide, as
/// <see cref="SoftmaxHead.ProjectionSize"/> computes them.
/// </summary>
public static partial class AdaptiveSoftmaxLayout
{
    public const string HeadWeight = "head.head.weight";
    public const string HeadBias = "head.head.bias";

    /// <summary>PyTorch's div_value as the metadata writes it (a Python float).</summary>
    public const string DivValue = "4.0";

    public static string Projection(int cluster) => $"head.tail.{cluster}.0.weight";

    public static string TailWeight(int cluster) => $"head.tail.{cluster}.1.weight";

    /// <summary>Whether a state_dict holds an adaptive head rather than <c>Linear(H, V)</c>.</summary>
    public static bool IsAdaptive(IEnumerable<string> names) => names.Any(n => n == HeadWeight || n == HeadBias || TailTensor().IsMatch(n));

    public static bool IsTensorName(string name) => name is HeadWeight or HeadBias || TailTensor().IsMatch(name);

    /// <summary>The clusters named by the tail tensors: one more than the highest index.</summary>
    public static int ClusterCount(IEnumerable<string> names) =>
        names.Select(n => TailTensor().Match(n)).Where(m => m.Success).Select(m => int.Parse(m.Groups["cluster"].Value, CultureInfo.InvariantCulture) + 1).DefaultIfEmpty(0).Max();

    /// <summary>"2000,6000": the cutoffs as the metadata and the PyTorch snippet list them.</summary>
    public static string CutoffsText(SoftmaxHead softmax) => string.Join(",", softmax.Cutoffs.Select(c => c.ToString(CultureInfo.InvariantCulture)));

    public static void AddTensors(List<SafetensorsTensor> tensors, ParameterLayout layout, ReadOnlySpan<float> parameters)
    {
        int h = layout.Description.Hidden, head = layout.OutputWeight.Cols;
        tensors.Add(new(HeadWeight, [head, h], PyTorchLayout.Transpose(Slice(parameters, layout.OutputWeight), h, head)));
        tensors.Add(new(HeadBias, [head], Slice(parameters, layout.OutputBias).ToArray()));
        for (int i = 0; i < layout.Tails.Count; i++)
        {
            var (proj, w) = (layout.Tails[i].Projection, layout.Tails[i].Weight);
            tensors.Add(new(Projection(i), [proj.Cols, h], PyTorchLayout.Transpose(Slice(parameters, proj), h, proj.Cols)));
            tensors.Add(new(TailWeight(i), [w.Cols, w.Rows], PyTorchLayout.Transpose(Slice(parameters, w), w.Rows, w.Cols)));
        }
    }

    /// <summary>Fills the head and tails of <paramref name="parameters"/>; a missing head bias (PyTorch's default head_bias=False) is zeros.</summary>
    public static void ReadTensors(float[] parameters, ParameterLayout layout, Func<string, SafetensorsTensor?> tensor)
    {
        int h = layout.Description.Hidden, head = layout.OutputWeight.Cols;
        PyTorchLayout.Transpose(tensor(HeadWeight)!.Data, head, h).CopyTo(parameters.AsSpan(layout.OutputWeight.Offset));
        tensor(HeadBias)?.Data.CopyTo(parameters.AsSpan(layout.OutputBias.Offset));
        for (int i = 0; i < layout.Tails.Count; i++)
        {
            var (proj, w) = (layout.Tails[i].Projection, layout.Tails[i].Weight);
            PyTorchLayout.Transpose(tensor(Projection(i))!.Data, proj.Cols, h).CopyTo(parameters.AsSpan(proj.Offset));
            PyTorchLayout.Transpose(tensor(TailWeight(i))!.Data, w.Cols, w.Rows).CopyTo(parameters.AsSpan(w.Offset));
        }
    }

    /// <summary>The shapes a model's adaptive head must have, in state_dict order (the bias may be left out).</summary>
    public static IEnumerable<(string Name, long[] Shape)> ExpectedShapes(ModelDescription model)
    {
        var softmax = model.Softmax;
        int v = model.VocabSize, h = model.Hidden, head = softmax.HeadSize(v);
        yield return (HeadWeight, [head, h]);
        for (int i = 0; i < softmax.Clusters; i++)
        {
            int d = SoftmaxHead.ProjectionSize(h, i);
            yield return (Projection(i), [d, h]);
            yield return (TailWeight(i), [softmax.ClusterEnd(i, v) - softmax.ClusterStart(i), d]);
        }
    }

    /// <summary>
    /// The cutoffs the tensors imply (head rows c₀ + K, each tail's rows its cluster's size,
    /// the last ending at V), checked against the metadata's <c>cutoffs</c> and <c>div_value</c>.
    /// </summary>
    public static SoftmaxHead Infer(Func<string, SafetensorsTensor?> tensor, int clusters, int vocab, string? declaredCutoffs, string? declaredDivValue)
    {
        if (declaredDivValue is not null
            && !(double.TryParse(declaredDivValue, NumberStyles.Float, CultureInfo.InvariantCulture, out double div) && div == SoftmaxHead.ProjectionDivisor))
            throw new InteropException($"The file's metadata gives div_value '{declaredDivValue}'; this model's adaptive softmax narrows each cluster by {SoftmaxHead.ProjectionDivisor}.");
        var head = Require(tensor, HeadWeight);
        if (clusters == 0)
            throw new InteropException($"{HeadWeight} is there but no {Projection(0)}: an adaptive softmax needs at least one cluster.");
        if (head.Shape.Count != 2 || head.Shape[0] <= clusters)
            throw new InteropException($"{HeadWeight} has shape {head.ShapeText}; expected [shortlist + {clusters} clusters, hidden].");
        var cutoffs = new int[clusters];
        cutoffs[0] = (int)Math.Min(head.Shape[0] - clusters, int.MaxValue);
        for (int i = 0; i + 1 < clusters; i++)
        {
            var tail = Require(tensor, TailWeight(i));
            if (tail.Shape.Count != 2)
                throw new InteropException($"{TailWeight(i)} has shape {tail.ShapeText}; expected [cluster size, projection].");
            cutoffs[i + 1] = (int)Math.Min(cutoffs[i] + tail.Shape[0], int.MaxValue);
        }
        string inferred = string.Join(",", cutoffs);
        if (declaredCutoffs is not null && Normalize(declaredCutoffs) != inferred)
            throw new InteropException($"The file's metadata gives cutoffs '{declaredCutoffs}', but {HeadWeight} and the tail tensors imply {inferred}.");
        return SoftmaxHead.Adaptive(cutoffs);

        static string Normalize(string text) => string.Join(",", text.Trim('[', ']', ' ').Split([',', ' '], StringSplitOptions.RemoveEmptyEntries));
    }

    private static SafetensorsTensor Require(Func<string, SafetensorsTensor?> tensor, string name) =>
        tensor(name) ?? throw new InteropException($"Tensor '{name}' is missing.");

    private static ReadOnlySpan<float> Slice(ReadOnlySpan<float> parameters, TensorSpec spec) => parameters.Slice(spec.Offset, spec.Size);

    [GeneratedRegex(@"^head\.tail\.(?<cluster>0|[1-9][0-9]{0,3})\.[01]\.weight$")]
    private static partial Regex TailTensor();
}
