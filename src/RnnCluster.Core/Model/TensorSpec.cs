namespace RnnCluster.Core.Model;

/// <summary>A named view into the flat parameter (or gradient) buffer: a row-major (Rows, Cols) matrix.</summary>
public sealed record TensorSpec(string Name, int Offset, int Rows, int Cols)
{
    public int Size => Rows * Cols;
}
