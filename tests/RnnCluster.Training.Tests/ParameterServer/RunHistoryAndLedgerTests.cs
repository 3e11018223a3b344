using System.Text.Json;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.ParameterServer;

public sealed class RunHistoryAndLedgerTests
{
    [Fact]
    public void A_restored_history_ends_at_the_checkpoint_s_step_and_a_repeated_step_is_recorded_once()
    {
        var history = new RunHistory();
        history.RecordTrainLoss(3, 2.0);
        history.RecordTrainLoss(4, 1.5);
        history.RecordTrainLoss(4, 9.9);
        history.RecordValidation(4, 1.7);
        history.RecordTrainLoss(5, 1.2);
        history.RecordValidation(6, 1.1);
        var stored = history.ToHistory();
        Assert.Equal(3, stored.FirstStep);
        Assert.Equal([2.0f, 1.5f, 1.2f], FloatBytes.ToArray(stored.TrainLosses));

        var restored = new RunHistory();
        restored.Restore(stored, step: 5);
        var back = restored.ToHistory();
        Assert.Equal([2.0f, 1.5f], FloatBytes.ToArray(back.TrainLosses));
        Assert.Equal([4L], back.ValidationSteps);
        Assert.Equal(1.5f, restored.LastTrainLoss);
    }

    [Fact]
    public void A_ledger_line_is_json_naming_each_sub_tree_and_its_worker_and_reaches_the_file_by_flush()
    {
        string line = StepLedger.Line("r\"1", 7, [new LedgerEntry(0, 4, "w0"), new LedgerEntry(4, 8, "node/w1")]);
        Assert.Equal("""{"run":"r\u00221","step":7,"nodes":[[0,4,"w0"],[4,8,"node/w1"]]}""", line);
        using var doc = JsonDocument.Parse(line);
        Assert.Equal("r\"1", doc.RootElement.GetProperty("run").GetString());

        string path = Path.Combine(Path.GetTempPath(), $"ledger-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var ledger = new StepLedger(path))
            {
                ledger.Append("r", 0, [new LedgerEntry(0, 1, "w")]);
                ledger.Append("r", 1, [new LedgerEntry(0, 1, "w")]);
                ledger.Flush();
                Assert.Equal(2, File.ReadAllLines(path).Length);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_ledger_that_cannot_be_written_says_why_and_keeps_the_run_going()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-dir-{Guid.NewGuid():N}", "ledger.jsonl");
        using var ledger = new StepLedger(path);
        ledger.Append("r", 0, [new LedgerEntry(0, 1, "w")]);
        Assert.Contains("no-such-dir", ledger.Flush());
        ledger.Append("r", 1, [new LedgerEntry(0, 1, "w")]);
        Assert.NotNull(ledger.Flush()); // the writer is still there: flushing does not hang
    }
}
