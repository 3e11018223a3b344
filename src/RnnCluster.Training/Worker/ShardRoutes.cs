using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>
/// Which shard holds which range of the parameter buffer, as a worker learned it from their slices;
/// immutable, so the compute thread can split gradients by it while the actor learns newer routes.
/// </summary>
public sealed class ShardRoutes<TShard>(IReadOnlyList<ShardRoutes<TShard>.Route> routes) where TShard : notnull
{
    public readonly record struct Route(TShard Shard, int Offset, int Length);

    /// <summary>True when every shard's range is known (false with one server: gradients go to it whole).</summary>
    public bool Known => routes.Count > 0 && routes.All(r => r.Shard is not null && r.Length > 0);

    /// <summary>Sends <paramref name="g"/> to the shards that hold its values, or whole to <paramref name="server"/> when the run has one.</summary>
    public void Deliver(GradientComputed g, TShard server, Action<TShard, GradientComputed> send)
    {
        if (Known)
            Split(g, send);
        else
            send(server, g);
    }

    /// <summary>
    /// Sends each shard its slice of <paramref name="g"/> (values [Offset, Offset + n) of the buffer),
    /// the loss with every piece (a shard counts it once, with its first part). Gives up <paramref name="g"/>'s blob.
    /// </summary>
    public void Split(GradientComputed g, Action<TShard, GradientComputed> send)
    {
        var values = g.Gradient.Floats;
        int start = g.Offset, end = g.Offset + values.Length;
        try
        {
            foreach (var route in routes)
            {
                int from = Math.Max(start, route.Offset), to = Math.Min(end, route.Offset + route.Length);
                if (from < to)
                    send(route.Shard, g with { Gradient = TensorBlob.CopyOf(values[(from - start)..(to - start)]), Offset = from });
            }
        }
        finally
        {
            g.Gradient.Dispose();
        }
    }
}
