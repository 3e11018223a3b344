namespace RnnCluster.Core.Model;

public enum CellKind
{
    Lstm = 0,
    Gru = 1,
    Rnn = 2,
}
