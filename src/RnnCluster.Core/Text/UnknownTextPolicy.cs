namespace RnnCluster.Core.Text;

/// <summary>
/// What an encoder does with a token the vocabulary cannot represent. A vocabulary with an
/// unknown token (word level) represents everything, so the policy only matters when
/// <see cref="Vocabulary.UnknownId"/> is -1 (character level).
/// </summary>
public enum UnknownTextPolicy
{
    /// <summary>Throw an <see cref="ArgumentException"/> naming the token and its position (training data).</summary>
    Throw = 0,

    /// <summary>Drop the token (priming text typed by a user may contain characters the model never saw).</summary>
    Skip = 1,
}
