using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>The training loss of every applied step and the validation results, kept with each checkpoint for curves and summaries.</summary>
public sealed class RunHistory
{
    private readonly List<float> _trainLosses = new();
    private readonly List<long> _validationSteps = new();
    private readonly List<double> _validationLosses = new();
    private long _firstStep;

    public float? LastTrainLoss => _trainLosses.Count > 0 ? _trainLosses[^1] : null;

    /// <summary>Records the loss of <paramref name="step"/>; a step already recorded (a repeat after a failover) is not recorded twice.</summary>
    public void RecordTrainLoss(long step, double loss)
    {
        if (_trainLosses.Count == 0)
            _firstStep = step;
        if (step - _firstStep == _trainLosses.Count)
            _trainLosses.Add((float)loss);
    }

    public void RecordValidation(long step, double loss)
    {
        _validationSteps.Add(step);
        _validationLosses.Add(loss);
    }

    /// <summary>The history stored with the checkpoint of <paramref name="step"/>, up to that step.</summary>
    public void Restore(TrainingHistory history, long step)
    {
        _firstStep = history.FirstStep;
        var losses = FloatBytes.View(history.TrainLosses);
        _trainLosses.AddRange(losses[..(int)Math.Clamp(step - history.FirstStep, 0, losses.Length)].ToArray());
        for (int i = 0; i < history.ValidationSteps.Length; i++)
        {
            if (history.ValidationSteps[i] <= step)
                RecordValidation(history.ValidationSteps[i], history.ValidationLosses[i]);
        }
    }

    public TrainingHistory ToHistory() =>
        new(_firstStep, FloatBytes.From(_trainLosses.ToArray()), _validationSteps.ToArray(), _validationLosses.ToArray());
}
