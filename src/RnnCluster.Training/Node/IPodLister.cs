using System.Net;

namespace RnnCluster.Training.Node;

/// <summary>Lists the running pods of the cluster: each one's IP and its remoting port (0 when it declares none).</summary>
public interface IPodLister
{
    Task<IReadOnlyList<DnsEndPoint>> ListAsync(CancellationToken cancel);
}
