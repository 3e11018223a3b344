using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace RnnCluster.Training.Wire;

/// <summary>How nodes advertise their bulk port: as a cluster role "bulk-PORT" (roles travel in gossip).</summary>
public static class BulkRoles
{
    public const string Prefix = "bulk-";

    public static string For(int port) => Prefix + port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static int? PortOf(IEnumerable<string> roles)
    {
        foreach (var role in roles)
            if (role.StartsWith(Prefix, StringComparison.Ordinal) && int.TryParse(role.AsSpan(Prefix.Length), out int port))
                return port;
        return null;
    }
}
