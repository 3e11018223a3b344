namespace RnnCluster.Cli.Commands;

public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The run started but did not finish well (refused by the store, diverged, lost its server…).</summary>
    public const int RunFailed = 1;
    /// <summary>The command could not start: bad options, missing or unusable corpus, unknown run or checkpoint.</summary>
    public const int BadInput = 2;
}
