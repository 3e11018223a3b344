using RnnCluster.Core.Data;
using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Steps;

/// <summary>
/// The classic success criterion of the embedded Reber grammar task: feed held-out strings
/// symbol by symbol (after a line break, as in the built-in text) and check that the symbols
/// the model gives more than <c>threshold</c> probability are exactly the grammatical ones.
/// </summary>
public static class ReberEvaluation
{
    public static ReberScore Evaluate(ModelDescription description, ReadOnlySpan<float> parameters, Vocabulary vocabulary,
        int strings = 200, ulong seed = 2024, float threshold = 0.1f)
    {
        var tokenizer = TokenizerFactory.Create(vocabulary);
        using var model = new RecurrentLanguageModel(description, 1, 1);
        model.LoadParameters(parameters);
        var logits = new float[description.VocabSize];
        var probabilities = new double[description.VocabSize];
        var rng = new SplitMix64(seed);
        int positions = 0, rightPositions = 0, solved = 0, longRange = 0;
        for (int s = 0; s < strings; s++)
        {
            string text = ReberGrammar.Generate(ref rng);
            var ids = tokenizer.Encode("\n" + text);
            model.ResetState();
            bool allRight = true;
            for (int i = 0; i < ids.Length; i++)
            {
                model.NextLogits([ids[i]], logits);
                Softmax(logits, probabilities);
                string prefix = text[..i];
                var legal = i < text.Length ? ReberGrammar.LegalNext(prefix) : null;
                var expected = legal is null || legal.Count == 0 ? new HashSet<string> { "\n" } : legal.Select(c => c.ToString()).ToHashSet();
                var predicted = new HashSet<string>();
                for (int v = 0; v < probabilities.Length; v++)
                    if (probabilities[v] > threshold)
                        predicted.Add(vocabulary.Tokens[v]);
                bool right = predicted.SetEquals(expected);
                positions++;
                if (right) rightPositions++;
                allRight &= right;
                if (i == text.Length - 2 && right)
                    longRange++;
            }
            if (allRight) solved++;
        }
        return new ReberScore((double)rightPositions / positions, (double)solved / strings, (double)longRange / strings, strings);
    }

    private static void Softmax(ReadOnlySpan<float> logits, double[] probabilities)
    {
        double max = double.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
            sum += probabilities[i] = Math.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++)
            probabilities[i] /= sum;
    }
}
