namespace RnnCluster.Cli.Tests;

/// <summary>
/// The test tiers, selected by trait: tests that start OS processes (the real `rnncluster`, network
/// namespaces, minutes of soak) carry <c>[Trait(Tier.Name, Tier.Process)]</c>; everything else is
/// the fast tier. <c>dotnet test --filter "Tier!=Process"</c> runs the fast tier alone.
/// </summary>
public static class Tier
{
    public const string Name = "Tier";

    public const string Process = "Process";
}
