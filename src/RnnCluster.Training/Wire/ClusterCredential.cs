using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RnnCluster.Training.Wire;

/// <summary>
/// The cluster's credential: one certificate (with its private key) that every node holds. With
/// it, Akka.Remote and the bulk channel run mutually authenticated TLS and accept only peers that
/// present exactly this certificate (pinned by thumbprint), so a process without it cannot join
/// or inject frames, even on an open network.
/// </summary>
public sealed class ClusterCredential : IDisposable
{
    private ClusterCredential(X509Certificate2 certificate) => Certificate = certificate;

    public X509Certificate2 Certificate { get; }

    public string Thumbprint => Certificate.Thumbprint;

    public static ClusterCredential Load(string path, string? password)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"TLS certificate '{path}' does not exist.", path);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.Exportable);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InvalidDataException($"TLS certificate '{path}' cannot be read (wrong --tls-password, or not a PKCS#12 file): {e.Message}", e);
        }
        if (!certificate.HasPrivateKey)
            throw new InvalidDataException($"TLS certificate '{path}' has no private key; nodes need the key to prove they hold it.");
        return new ClusterCredential(certificate);
    }

    /// <summary>Accepts exactly the cluster's certificate.</summary>
    public bool IsClusterCertificate(X509Certificate? presented) =>
        presented is not null && string.Equals(new X509Certificate2(presented).Thumbprint, Thumbprint, StringComparison.OrdinalIgnoreCase);

    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = Certificate,
        ClientCertificateRequired = true,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => IsClusterCertificate(certificate),
    };

    public SslClientAuthenticationOptions ClientOptions(string host) => new()
    {
        TargetHost = host,
        ClientCertificates = [Certificate],
        RemoteCertificateValidationCallback = (_, certificate, _, _) => IsClusterCertificate(certificate),
    };

    public void Dispose() => Certificate.Dispose();
}
