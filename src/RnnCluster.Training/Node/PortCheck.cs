using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Node;

/// <summary>
/// Waits for a node's listening ports before anything starts. A node killed with kill -9 and
/// started again at once on the same port races the kernel closing the dead process's sockets;
/// waiting a little turns that race into a restart, and a port that another process really holds
/// into one clear line instead of a bind exception deep in the start-up.
/// </summary>
public static class PortCheck
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>Returns once <paramref name="port"/> on <paramref name="host"/> can be bound (0 always can), or throws <see cref="PortInUseException"/> after <paramref name="wait"/>.</summary>
    public static void WaitUntilFree(string host, int port, TimeSpan wait, string purpose)
    {
        if (port == 0)
            return;
        var address = BulkChannel.BindAddress(host);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                // As the real listeners do: connections of a dead process lingering in TIME-WAIT do not block.
                probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                probe.Bind(new IPEndPoint(address, port));
                probe.Listen();
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                if (waited.Elapsed >= wait)
                    throw new PortInUseException(
                        $"Port {port} on {host} ({purpose}) is in use by another process (waited {wait.TotalSeconds:0.#} s); stop it or choose another --port/--bulk-port.");
                Thread.Sleep(Poll);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                throw new PortInUseException($"Cannot listen on {host}:{port} ({purpose}): this machine has no such address; check --host.");
            }
        }
    }
}
