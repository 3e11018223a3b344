namespace RnnCluster.Core.Model;

/// <summary>
/// Everything that fixes the shape and order of the flat parameter buffer. Two models with
/// equal descriptions have byte-compatible parameter buffers; the layout version changes
/// whenever the order or meaning of a parameter changes.
/// </summary>
public sealed record ModelDescription(CellKind Cell, int VocabSize, int Embed, int Hidden, int Layers, float Dropout)
{
    /// <summary>Version of the parameter order below; bump it on any change of <see cref="ParameterLayout"/>.</summary>
    public const int LayoutVersion = 2;

    /// <summary>The output softmax (full unless built with <c>with { Softmax = … }</c>); part of the layout.</summary>
    public SoftmaxHead Softmax { get; init; } = SoftmaxHead.Full;

    /// <summary>
    /// The layout version a checkpoint of this model is written with: 1 for the full softmax (the
    /// files of earlier builds), 2 when the adaptive softmax's tensors follow.
    /// </summary>
    public int StoredLayoutVersion => Softmax.IsAdaptive ? 2 : 1;

    public int Gates => GatesOf(Cell);

    public static int GatesOf(CellKind cell) => cell switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        CellKind.Rnn => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
    };

    public void Validate()
    {
        if (!Enum.IsDefined(Cell))
            throw new ArgumentException($"Unknown cell kind {(int)Cell}.");
        if (VocabSize < 2)
            throw new ArgumentException($"The vocabulary must hold at least 2 tokens, not {VocabSize}.");
        if (Embed < 1 || Hidden < 1 || Layers < 1)
            throw new ArgumentException($"Embed, hidden and layers must be positive (got {Embed}, {Hidden}, {Layers}).");
        if (!(Dropout >= 0f && Dropout < 1f))
            throw new ArgumentException($"Dropout must be in [0, 1), not {Dropout}.");
        ArgumentNullException.ThrowIfNull(Softmax);
        if (Softmax.Problem(VocabSize, Hidden) is { } problem)
            throw new ArgumentException(char.ToUpperInvariant(problem[0]) + problem[1..] + ".");
    }

    /// <summary>Names the first field that differs, for "mismatched checkpoint" messages.</summary>
    public string? FirstDifference(ModelDescription other)
    {
        if (Cell != other.Cell) return $"cell {Cell} vs {other.Cell}";
        if (VocabSize != other.VocabSize) return $"vocabulary size {VocabSize} vs {other.VocabSize}";
        if (Embed != other.Embed) return $"embed {Embed} vs {other.Embed}";
        if (Hidden != other.Hidden) return $"hidden {Hidden} vs {other.Hidden}";
        if (Layers != other.Layers) return $"layers {Layers} vs {other.Layers}";
        if (Dropout.ToString("R") != other.Dropout.ToString("R")) return $"dropout {Dropout} vs {other.Dropout}";
        if (!Softmax.Equals(other.Softmax)) return $"softmax {Softmax} vs {other.Softmax}";
        return null;
    }

    public override string ToString() =>
        $"{Cell.ToString().ToLowerInvariant()} vocab={VocabSize} embed={Embed} hidden={Hidden} layers={Layers} dropout={Dropout}"
        + (Softmax.IsAdaptive ? $" softmax={Softmax}" : "");
}
