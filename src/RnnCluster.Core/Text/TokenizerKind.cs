namespace RnnCluster.Core.Text;

public enum TokenizerKind
{
    Char = 0,
    Word = 1,
}
