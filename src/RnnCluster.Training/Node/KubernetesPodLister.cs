using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace RnnCluster.Training.Node;

/// <summary>
/// Lists the cluster's pods with one GET to the Kubernetes API, authenticated as the pod's service
/// account (token, CA certificate and namespace as Kubernetes mounts them). Plain HTTP and JSON
/// rather than Akka.Discovery.KubernetesApi: that package fails every lookup against the
/// KubernetesClient versions served next to it (docs/decisions/0021-pod-discovery-without-akka-management.md).
/// </summary>
public sealed class KubernetesPodLister : IPodLister, IDisposable
{
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    private readonly HttpClient _http;
    private readonly string _path;
    private readonly Func<string> _token;
    private readonly string? _unavailable;

    /// <param name="api">The API server's base address.</param>
    /// <param name="token">Read for each request: service-account tokens are rotated while the pod runs.</param>
    /// <param name="handler">The HTTP handler (tests answer requests in process).</param>
    public KubernetesPodLister(Uri api, string podNamespace, string labelSelector, Func<string> token, HttpMessageHandler handler)
    {
        _http = new HttpClient(handler) { BaseAddress = api };
        _path = $"api/v1/namespaces/{Uri.EscapeDataString(podNamespace)}/pods?labelSelector={Uri.EscapeDataString(labelSelector)}";
        _token = token;
    }

    private KubernetesPodLister(string unavailable)
    {
        _http = new HttpClient();
        _path = "";
        _token = () => "";
        _unavailable = unavailable;
    }

    /// <summary>
    /// The API as this pod sees it (KUBERNETES_SERVICE_HOST/PORT and the service account's files).
    /// Outside a pod every lookup fails with the reason, which the joiner reports.
    /// </summary>
    public static KubernetesPodLister InCluster(PodDiscoveryOptions options)
    {
        string? host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        string port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") ?? "443";
        string tokenFile = Path.Combine(ServiceAccountDirectory, "token");
        string caFile = Path.Combine(ServiceAccountDirectory, "ca.crt");
        if (string.IsNullOrEmpty(host))
            return new KubernetesPodLister("KUBERNETES_SERVICE_HOST is not set: --discovery kubernetes works inside a Kubernetes pod");
        if (!File.Exists(tokenFile) || !File.Exists(caFile))
            return new KubernetesPodLister($"no service account token in {ServiceAccountDirectory} (automountServiceAccountToken: false?)");
        string? podNamespace = options.Namespace ?? File.ReadAllText(Path.Combine(ServiceAccountDirectory, "namespace")).Trim();
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // The API server's certificate is signed by the cluster's own CA, which no system store holds.
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                        return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        string hostPart = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host; // IPv6 service address
        return new KubernetesPodLister(new Uri($"https://{hostPart}:{port}/"), podNamespace, options.PodLabelSelector, () => File.ReadAllText(tokenFile).Trim(), handler);
    }

    public async Task<IReadOnlyList<DnsEndPoint>> ListAsync(CancellationToken cancel)
    {
        if (_unavailable is not null)
            throw new InvalidOperationException(_unavailable);
        using var request = new HttpRequestMessage(HttpMethod.Get, _path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token());
        using var response = await _http.SendAsync(request, cancel);
        string body = await response.Content.ReadAsStringAsync(cancel);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET /{_path} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body[..Math.Min(body.Length, 300)]}");
        return Parse(body, PodDiscoveryOptions.RemotingPortName);
    }

    /// <summary>
    /// The running pods of a PodList: their IP and the container port named <paramref name="portName"/>
    /// (0 if none is). Pending pods have no address yet, and terminating ones are leaving.
    /// </summary>
    public static IReadOnlyList<DnsEndPoint> Parse(string podListJson, string portName)
    {
        using var document = JsonDocument.Parse(podListJson);
        var result = new List<DnsEndPoint>();
        if (!document.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
            return result;
        foreach (var pod in items.EnumerateArray())
        {
            if (pod.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("deletionTimestamp", out var deleting) && deleting.ValueKind != JsonValueKind.Null)
                continue;
            if (!pod.TryGetProperty("status", out var status)
                || !status.TryGetProperty("phase", out var phase) || phase.GetString() != "Running"
                || !status.TryGetProperty("podIP", out var ip) || string.IsNullOrEmpty(ip.GetString()))
                continue;
            int port = 0;
            if (pod.TryGetProperty("spec", out var spec) && spec.TryGetProperty("containers", out var containers))
                foreach (var container in containers.EnumerateArray())
                    if (container.TryGetProperty("ports", out var ports))
                        foreach (var declared in ports.EnumerateArray())
                            if (declared.TryGetProperty("name", out var name) && name.GetString() == portName && declared.TryGetProperty("containerPort", out var number))
                                port = number.GetInt32();
            result.Add(new DnsEndPoint(ip.GetString()!, port));
        }
        return result;
    }

    public void Dispose() => _http.Dispose();
}
