using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using ScottPlot;

namespace RnnCluster.Cli.Display;

/// <summary>The loss-curve PNG written next to the store at the end of a run.</summary>
internal static class LossCurve
{
    public static string? Write(TrainingHistory history, string runId, string directory)
    {
        var losses = FloatBytes.View(history.TrainLosses).ToArray();
        if (losses.Length == 0)
            return null;
        var plot = new Plot();
        double[] steps = Enumerable.Range(0, losses.Length).Select(i => (double)(history.FirstStep + i + 1)).ToArray();
        var train = plot.Add.ScatterLine(steps, losses.Select(l => (double)l).ToArray());
        train.LegendText = "train";
        if (history.ValidationSteps.Length > 0)
        {
            var validation = plot.Add.ScatterLine(history.ValidationSteps.Select(s => (double)s).ToArray(), history.ValidationLosses);
            validation.LegendText = "validation";
            validation.MarkerSize = 6;
        }
        plot.Title($"RnnCluster run {runId}");
        plot.XLabel("step");
        plot.YLabel("loss (nats per token)");
        plot.ShowLegend();
        string path = Path.Combine(directory, $"{Sanitize(runId)}-loss.png");
        plot.SavePng(path, 900, 500);
        return path;
    }

    private static string Sanitize(string name) => string.Concat(name.Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c));
}
