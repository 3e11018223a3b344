using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>
/// Whether a worker takes the run it is welcomed to: the data must hash to the run's corpus hash,
/// the run must be what this node was told to expect, and the definition must be valid here.
/// </summary>
public static class WelcomeCheck
{
    /// <summary>The run as this worker will compute it.</summary>
    public sealed record Accepted(ModelDescription Model, TrainingSettings Settings, int[] Train, int[] Validation);

    /// <summary>Why not; <paramref name="GiveUp"/> when the worker should stop (it cannot take this run at all).</summary>
    public sealed record Refused(string Reason, bool GiveUp);

    public static object Judge(WorkerWelcome welcome, WorkerExpectations? expect)
    {
        var train = IntBytes.ToArray(welcome.TrainTokens);
        var validation = IntBytes.ToArray(welcome.ValidationTokens);
        string hash = CorpusFingerprint.Of(train, validation), expected = welcome.Definition.CorpusHash;
        if (hash != expected)
            return new Refused($"corpus hash mismatch: received data hashes to {hash[..16]}…, the run expects {expected[..Math.Min(16, expected.Length)]}…", GiveUp: true);
        if (expect?.Difference(welcome.Definition) is { } difference)
            return new Refused(difference, GiveUp: true);
        try
        {
            return new Accepted(welcome.Definition.Model.ToModel(), welcome.Definition.Settings.ToSettings(), train, validation);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            return new Refused(e.Message, GiveUp: false);
        }
    }
}
