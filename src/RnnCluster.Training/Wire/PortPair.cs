using System.Net;
using System.Net.Sockets;

namespace RnnCluster.Training.Wire;

/// <summary>
/// A node listens on its remoting port and, by default, on the next port for its bulk channel
/// (`--bulk-port` = `--port` + 1). Tests and benchmarks that start nodes on loopback need a port
/// whose successor is free too.
/// </summary>
public static class PortPair
{
    public static int FreeOnLoopback()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var remoting = new TcpListener(IPAddress.Loopback, 0);
            remoting.Start();
            int port = ((IPEndPoint)remoting.LocalEndpoint).Port;
            try
            {
                using var bulk = new TcpListener(IPAddress.Loopback, port + 1);
                bulk.Start();
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("No two consecutive free ports on loopback.");
    }
}
