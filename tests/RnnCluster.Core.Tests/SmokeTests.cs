namespace RnnCluster.Core.Tests;

public class SmokeTests
{
    [Fact]
    public void Layout_of_lstm_counts_parameters()
    {
        var layout = new Model.ParameterLayout(new Model.ModelDescription(Model.CellKind.Lstm, 10, 4, 8, 2, 0));
        Assert.Equal(10 * 4 + (4 * 32 + 8 * 32 + 32) + (8 * 32 + 8 * 32 + 32) + 8 * 10 + 10, layout.TotalSize);
    }
}
