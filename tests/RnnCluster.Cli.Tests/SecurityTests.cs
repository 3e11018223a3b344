using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>`--tls-cert`: only nodes holding the cluster's certificate can join.</summary>
[Trait(Tier.Name, Tier.Process)]
[Collection(nameof(FaultToleranceTests))]
public sealed class SecurityTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    private static string SelfSigned(ScratchDirectory dir, string name, string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string path = dir.File(name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }

    [Fact]
    public async Task Only_nodes_with_the_cluster_certificate_can_join()
    {
        using var dir = new ScratchDirectory();
        string cluster = SelfSigned(dir, "rnncluster", "secret"), stranger = SelfSigned(dir, "stranger", "secret");
        int port = FaultToleranceTests.FreePort();
        string address = $"akka.tcp://rnncluster@127.0.0.1:{port}";
        string[] tls = ["--tls-cert", cluster, "--tls-password", "secret"];
        using var coordinator = CliProcess.Start(dir.Path, ["node", "--roles", "coordinator,ps", "--port", port.ToString(), "--db", dir.File("store.db"),
            "--run-id", "tls", "--min-workers", "1", "--plain", "--samples", "0", "--dataset", "reber", "--embed", "8", "--hidden", "16",
            "--layers", "1", "--seq", "16", "--batch", "8", "--micro-batches", "2", "--steps", "20", .. tls]);
        await coordinator.WaitForLine(" up with roles ", Timeout);

        // Without a certificate, and with another one: they never get in.
        using var plain = CliProcess.Start(dir.Path, "node", "--roles", "worker", "--port", "0", "--seed", address, "--plain", "--rejoin-for", "0");
        using var impostor = CliProcess.Start(dir.Path, "node", "--roles", "worker", "--port", "0", "--seed", address, "--plain", "--rejoin-for", "0",
            "--tls-cert", stranger, "--tls-password", "secret");
        var refused = await Task.WhenAll(plain.WaitAsync(Timeout), impostor.WaitAsync(Timeout)); // they give up joining after 30 s
        foreach (var r in refused)
        {
            output.WriteLine(r.ToString());
            Assert.NotEqual(0, r.ExitCode);
        }
        Assert.DoesNotContain("ready", coordinator.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("[tls] step", coordinator.Output, StringComparison.Ordinal);

        // With it: the run happens.
        var member = await CliProcess.RunAsync(dir.Path, Timeout, ["node", "--roles", "worker", "--port", "0", "--seed", address, "--plain", .. tls]);
        Assert.True(member.ExitCode == 0, member.ToString());
        var finished = await coordinator.WaitAsync(Timeout);
        output.WriteLine(finished.ToString());
        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.StartsWith("run=tls steps=20 ", finished.LastLine);
    }

    [Fact]
    public async Task A_wrong_certificate_password_is_a_clear_error()
    {
        using var dir = new ScratchDirectory();
        string cluster = SelfSigned(dir, "rnncluster", "secret");
        var result = await CliProcess.RunAsync(dir.Path, Timeout, "node", "--roles", "worker", "--port", "0", "--tls-cert", cluster, "--tls-password", "wrong");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot be read", result.Error, StringComparison.Ordinal);
    }
}
