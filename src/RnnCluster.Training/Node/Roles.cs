
namespace RnnCluster.Training.Node;

/// <summary>Roles a process can take in a run.</summary>
public static class Roles
{
    public const string Coordinator = "coordinator";
    public const string ParameterServer = "ps";
    public const string Worker = "worker";

    public static readonly IReadOnlyList<string> All = [Coordinator, ParameterServer, Worker];
}
