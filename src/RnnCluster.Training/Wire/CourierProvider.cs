using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace RnnCluster.Training.Wire;

public sealed class CourierProvider : ExtensionIdProvider<Courier>
{
    public override Courier CreateExtension(ExtendedActorSystem system) => new(system);
}
