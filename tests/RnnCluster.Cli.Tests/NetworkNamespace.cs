using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// A network namespace joined to the host by a veth pair with private addresses (10.213.X.1/30 on
/// the host side, .2 inside), names and subnet unique per instance. Dispose deletes all of it.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private const string RouteMetric = "4000";
    private readonly List<string> _undo = new();
    private bool _disposed;

    private NetworkNamespace(string id, int subnet)
    {
        Name = $"rnnc-{id}";
        HostVeth = $"rnnc{id}h";
        PeerVeth = $"rnnc{id}n";
        Subnet = $"10.213.{subnet}.0/30";
        HostAddress = $"10.213.{subnet}.1";
        NamespaceAddress = $"10.213.{subnet}.2";
    }

    public string Name { get; }

    public string HostVeth { get; }

    public string PeerVeth { get; }

    public string Subnet { get; }

    public string HostAddress { get; }

    public string NamespaceAddress { get; }

    public static NetworkNamespace Create()
    {
        var net = new NetworkNamespace(Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant(), FreeSubnet());
        try
        {
            net.Ip("netns", "add", net.Name);
            net._undo.Add("netns");
            net.Ip("link", "add", net.HostVeth, "type", "veth", "peer", "name", net.PeerVeth);
            net._undo.Add("veth");
            net.Ip("link", "set", net.PeerVeth, "netns", net.Name);
            net.Ip("addr", "add", $"{net.HostAddress}/30", "dev", net.HostVeth);
            net.Ip("link", "set", net.HostVeth, "up");
            net.Ip("-n", net.Name, "addr", "add", $"{net.NamespaceAddress}/30", "dev", net.PeerVeth);
            net.Ip("-n", net.Name, "link", "set", net.PeerVeth, "up");
            net.Ip("-n", net.Name, "link", "set", "lo", "up");
            // While the host end is down its subnet route is gone: without this fallback, traffic for
            // the namespace would leave through the default route instead of failing here.
            net.Ip("route", "add", "unreachable", net.Subnet, "metric", RouteMetric);
            net._undo.Add("route");
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>Null when namespaces work here, else why not (the reason a test is skipped for).</summary>
    public static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
            return "network namespaces need Linux";
        if (!Environment.IsPrivilegedProcess)
            return "creating network namespaces and veth pairs needs root (CAP_NET_ADMIN); run the tests as root to include this one";
        try
        {
            using var probe = Create();
            probe.ThrottleNamespaceEgress("1mbit");
            probe.UnthrottleNamespaceEgress();
            return null;
        }
        catch (Win32Exception e)
        {
            return $"iproute2's `ip` or `tc` cannot be run ({e.Message})";
        }
        catch (InvalidOperationException e)
        {
            return $"cannot create a network namespace with a shaped veth pair here: {e.Message}";
        }
    }

    /// <summary>Cuts the namespace off: its veth pair loses carrier on both ends.</summary>
    public void CutLink() => Ip("link", "set", HostVeth, "down");

    public void RestoreLink() => Ip("link", "set", HostVeth, "up");

    /// <summary>Shapes what leaves the namespace to <paramref name="rate"/> (tc tbf; a 5 s queue, so nothing is dropped).</summary>
    public void ThrottleNamespaceEgress(string rate) =>
        Tool("tc", "-n", Name, "qdisc", "replace", "dev", PeerVeth, "root", "tbf", "rate", rate, "burst", "16kb", "latency", "5s");

    public void UnthrottleNamespaceEgress() => Tool("tc", "-n", Name, "qdisc", "del", "dev", PeerVeth, "root");

    /// <summary>
    /// Waits up to <paramref name="within"/> for a process's established TCP connections to
    /// <paramref name="remotePort"/> to hold at least <paramref name="atLeast"/> bytes not yet
    /// acknowledged (tx_queue in /proc/PID/net/tcp{,6}, which show the process's own namespace);
    /// returns their count (0: not that many in time).
    /// </summary>
    public static async Task<long> WaitForUnsentBytes(int pid, int remotePort, long atLeast, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            long bytes = UnsentBytes(pid, remotePort);
            if (bytes >= atLeast)
                return bytes;
            if (clock.Elapsed >= within)
                return 0;
            await Task.Delay(5);
        }
    }

    private static long UnsentBytes(int pid, int remotePort)
    {
        long total = 0;
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines($"/proc/{pid}/net/{table}");
            }
            catch (IOException)
            {
                continue;
            }
            // sl local_address rem_address st tx_queue:rx_queue …; addresses are HEX:PORT, st 01 = established.
            foreach (var fields in lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 4 && f[3] == "01"))
            {
                if (int.Parse(fields[2].AsSpan(fields[2].LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture) == remotePort)
                    total += long.Parse(fields[4].AsSpan(0, fields[4].IndexOf(':')), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        return total;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // Best effort, each step on its own: a test that failed must still leave nothing behind.
        if (_undo.Contains("route"))
            TryIp("route", "del", "unreachable", Subnet, "metric", RouteMetric);
        if (_undo.Contains("veth"))
            TryIp("link", "del", HostVeth); // deletes both ends
        if (_undo.Contains("netns"))
            TryIp("netns", "del", Name);
    }

    private static int FreeSubnet()
    {
        // Another run (or anything else on the machine) may use 10.213.X: pick an X nobody does.
        string inUse = Run("-4", "-o", "addr", "show").Output + Run("-4", "route", "show", "table", "all").Output;
        for (int attempt = 0; attempt < 64; attempt++)
        {
            int x = RandomNumberGenerator.GetInt32(256);
            if (!inUse.Contains($"10.213.{x}.", StringComparison.Ordinal))
                return x;
        }
        throw new InvalidOperationException("no free 10.213.X.0/30 subnet");
    }

    private void Ip(params string[] args) => Tool("ip", args);

    private static void Tool(string tool, params string[] args)
    {
        var (exitCode, text) = RunTool(tool, args);
        if (exitCode != 0)
            throw new InvalidOperationException($"`{tool} {string.Join(' ', args)}` failed ({exitCode}): {text.Trim()}");
    }

    private static void TryIp(params string[] args)
    {
        try
        {
            var (exitCode, text) = Run(args);
            if (exitCode != 0)
                Console.Error.WriteLine($"cleanup: `ip {string.Join(' ', args)}` failed ({exitCode}): {text.Trim()}");
        }
        catch (Win32Exception e)
        {
            Console.Error.WriteLine($"cleanup: `ip {string.Join(' ', args)}` failed: {e.Message}");
        }
    }

    private static (int ExitCode, string Output) Run(params string[] args) => RunTool("ip", args);

    private static (int ExitCode, string Output) RunTool(string tool, string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, text + error.Result);
    }
}
