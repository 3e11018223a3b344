using RnnCluster.Core.Data;

namespace RnnCluster.Core.Tests.Data;

public class TrainValidationSplitTests
{
    [Fact]
    public void Splits_ninety_ten_at_the_tail()
    {
        int[] tokens = Enumerable.Range(0, 1000).ToArray();

        var split = TrainValidationSplit.Create(tokens);

        Assert.Equal(900, split.TrainCount);
        Assert.Equal(100, split.ValidationCount);
        Assert.Equal(Enumerable.Range(0, 900), split.Train.ToArray());
        Assert.Equal(Enumerable.Range(900, 100), split.Validation.ToArray());
        Assert.Equal(Enumerable.Range(899, 101), split.ValidationWithContext.ToArray());
    }

    [Theory]
    [InlineData(1000, 32)]
    [InlineData(1000, 25)] // 100 targets: no partial window
    [InlineData(12345, 64)]
    [InlineData(37, 100)]  // one short window
    public void Validation_windows_score_every_validation_token_exactly_once(int n, int seqLen)
    {
        int[] tokens = Enumerable.Range(0, n).ToArray();
        var split = TrainValidationSplit.Create(tokens);
        var input = split.ValidationWithContext.Span;

        var scored = new List<int>();
        foreach (var window in split.ValidationWindows(seqLen))
        {
            Assert.InRange(window.Length, 1, seqLen);
            for (int t = 0; t < window.Length; t++)
            {
                Assert.Equal(input[window.Start + t] + 1, input[window.Start + t + 1]); // target follows input
                scored.Add(input[window.Start + t + 1]);
            }
        }

        Assert.Equal(split.Validation.ToArray(), scored);
    }

    [Fact]
    public void Windows_are_full_except_the_last()
    {
        var split = TrainValidationSplit.Create(new int[1000]);

        Assert.Equal(
            [new EvaluationWindow(0, 32), new EvaluationWindow(32, 32), new EvaluationWindow(64, 32), new EvaluationWindow(96, 4)],
            split.ValidationWindows(32));
    }

    [Fact]
    public void Standalone_cover_scores_tokens_after_the_first()
    {
        Assert.Equal([new EvaluationWindow(0, 3), new EvaluationWindow(3, 1)], EvaluationWindow.Cover(5, 3));
        Assert.Empty(EvaluationWindow.Cover(1, 3));
        Assert.Empty(EvaluationWindow.Cover(0, 3));
    }

    [Fact]
    public void Tiny_inputs_keep_at_least_one_training_token()
    {
        var none = TrainValidationSplit.Create(new int[9]);
        Assert.Equal(9, none.TrainCount);
        Assert.Empty(none.ValidationWindows(4));
        Assert.True(none.ValidationWithContext.IsEmpty);

        var half = TrainValidationSplit.Create([1, 2], validationFraction: 0.9);
        Assert.Equal(1, half.TrainCount);
        Assert.Equal([new EvaluationWindow(0, 1)], half.ValidationWindows(4));
    }

    [Fact]
    public void Fraction_is_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainValidationSplit.Create(new int[10], 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainValidationSplit.Create(new int[10], double.NaN));
    }
}
