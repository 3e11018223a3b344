using System.CommandLine;
using System.Globalization;
using System.Net;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// --http HOST:PORT and --http-token-file FILE (shared by `train`, `node` and `dashboard`): where
/// the dashboard, /metrics and the health checks listen, and the bearer token that guards them.
/// Off unless --http is given. A listener reachable from other machines without a token would let
/// anyone read the run and load the CPU with generation requests, so that is refused up front.
/// </summary>
internal sealed class HttpArguments
{
    /// <summary>Where the token comes from when no file is named (a file keeps it out of `ps`).</summary>
    public const string TokenVariable = "RNNCLUSTER_HTTP_TOKEN";

    public Option<string?> Http { get; } = ConfiguredDefaults.MakeOptional<string>("--http",
        "serve the dashboard, /metrics, /healthz and /ready on HOST:PORT (a bare PORT binds 127.0.0.1; another address needs a token)");

    public Option<string?> TokenFile { get; } = ConfiguredDefaults.MakeOptional<string>("--http-token-file",
        $"file holding the bearer token for --http (or {TokenVariable}); required when --http binds other than loopback");

    public void AddTo(Command command)
    {
        command.Options.Add(Http);
        command.Options.Add(TokenFile);
    }

    /// <summary>The endpoint to serve, or null without --http; throws <see cref="UsageException"/> on bad input.</summary>
    /// <param name="fallback">The endpoint without --http (the dashboard command's default); null = off.</param>
    public HttpEndpoint? Read(ParseResult p, string? fallback = null)
    {
        string? tokenFile = p.GetValue(TokenFile);
        if ((p.GetValue(Http) ?? fallback) is not { } text)
        {
            if (tokenFile is not null)
                throw new UsageException("--http-token-file goes with --http.");
            return null;
        }
        var (host, port) = ParseHostPort(text);
        string? token = ReadToken(tokenFile);
        if (token is null && !IsLoopback(host))
            throw new UsageException($"--http {text} listens beyond this machine: give a bearer token ({TokenVariable} or --http-token-file FILE).");
        return new HttpEndpoint(host, port, token);
    }

    /// <summary>"HOST:PORT", "[IPv6]:PORT", ":PORT" or "PORT" (the last two bind 127.0.0.1).</summary>
    internal static (string Host, int Port) ParseHostPort(string text)
    {
        string host = "127.0.0.1";
        string portText = text.Trim();
        int colon = portText.LastIndexOf(':');
        if (colon >= 0)
        {
            host = portText[..colon].Trim('[', ']');
            portText = portText[(colon + 1)..];
            if (host.Length == 0)
                host = "127.0.0.1";
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            throw new UsageException($"--http takes HOST:PORT with a TCP port 0..65535 (e.g. 127.0.0.1:8080), not '{text}'.");
        // An IPv6 address needs its brackets: in "::1:80" the port could be part of the address.
        if (host.Contains(':', StringComparison.Ordinal) && (!text.Contains('[', StringComparison.Ordinal) || !IPAddress.TryParse(host, out _)))
            throw new UsageException($"--http takes HOST:PORT (IPv6 as [ADDRESS]:PORT), not '{text}'.");
        return (host, port);
    }

    internal static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    private static string? ReadToken(string? file)
    {
        string? token;
        if (file is not null)
        {
            if (!File.Exists(file))
                throw new UsageException($"--http-token-file '{file}' does not exist.");
            token = File.ReadAllText(file).Trim();
            if (token.Length == 0)
                throw new UsageException($"--http-token-file '{file}' is empty.");
        }
        else
            token = Environment.GetEnvironmentVariable(TokenVariable)?.Trim();
        return string.IsNullOrEmpty(token) ? null : token;
    }
}
