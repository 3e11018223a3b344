using System.Net;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Node;

/// <summary>The pod listing as the API server answers it, without one: a handler in process stands for it.</summary>
public sealed class KubernetesPodListerTests
{
    private const string PodList = """
        {"kind": "PodList", "apiVersion": "v1", "items": [
          {"metadata": {"name": "rnncluster-coordinator-0"},
           "spec": {"containers": [{"name": "node", "ports": [{"name": "http", "containerPort": 8080}, {"name": "remoting", "containerPort": 4053}]}]},
           "status": {"phase": "Running", "podIP": "10.0.0.7"}},
          {"metadata": {"name": "rnncluster-worker-a"},
           "spec": {"containers": [{"name": "sidecar"}, {"name": "node", "ports": [{"name": "remoting", "containerPort": 5000}]}]},
           "status": {"phase": "Running", "podIP": "10.0.0.8"}},
          {"metadata": {"name": "rnncluster-worker-pending"},
           "spec": {"containers": [{"name": "node", "ports": [{"name": "remoting", "containerPort": 4053}]}]},
           "status": {"phase": "Pending"}},
          {"metadata": {"name": "rnncluster-worker-leaving", "deletionTimestamp": "2026-01-01T00:00:00Z"},
           "spec": {"containers": [{"name": "node", "ports": [{"name": "remoting", "containerPort": 4053}]}]},
           "status": {"phase": "Running", "podIP": "10.0.0.9"}},
          {"metadata": {"name": "rnncluster-worker-unnamed-port"},
           "spec": {"containers": [{"name": "node", "ports": [{"containerPort": 4053}]}]},
           "status": {"phase": "Running", "podIP": "10.0.0.10"}}
        ]}
        """;

    [Fact]
    public void Running_pods_are_listed_with_their_remoting_port_and_pending_or_leaving_ones_are_not()
    {
        var pods = KubernetesPodLister.Parse(PodList, PodDiscoveryOptions.RemotingPortName);
        Assert.Equal([new DnsEndPoint("10.0.0.7", 4053), new DnsEndPoint("10.0.0.8", 5000), new DnsEndPoint("10.0.0.10", 0)], pods);
        Assert.Empty(KubernetesPodLister.Parse("""{"kind": "PodList", "items": []}""", PodDiscoveryOptions.RemotingPortName));
    }

    [Fact]
    public async Task The_request_asks_the_namespace_for_the_selected_pods_with_the_current_token()
    {
        var api = new RecordingApi(HttpStatusCode.OK, PodList);
        string token = "first";
        using var lister = new KubernetesPodLister(new Uri("https://10.96.0.1:443/"), "ml team", "app.kubernetes.io/name=rnncluster,tier!=db", () => token, api);
        Assert.Equal(3, (await lister.ListAsync(CancellationToken.None)).Count);
        token = "rotated";
        await lister.ListAsync(CancellationToken.None);

        Assert.Equal("https://10.96.0.1/api/v1/namespaces/ml%20team/pods?labelSelector=app.kubernetes.io%2Fname%3Drnncluster%2Ctier%21%3Ddb", api.Requests[0].Uri);
        Assert.Equal(["Bearer first", "Bearer rotated"], api.Requests.Select(r => r.Authorization));
        Assert.All(api.Requests, r => Assert.Equal(HttpMethod.Get, r.Method));
    }

    [Fact]
    public async Task A_refusal_names_the_status_and_the_api_servers_reason()
    {
        var api = new RecordingApi(HttpStatusCode.Forbidden, """{"kind": "Status", "message": "pods is forbidden: User \"system:serviceaccount:ml:default\" cannot list resource \"pods\""}""");
        using var lister = new KubernetesPodLister(new Uri("https://10.96.0.1/"), "ml", "app=x", () => "t", api);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => lister.ListAsync(CancellationToken.None));
        Assert.Contains("403", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot list resource", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_a_pod_every_listing_says_why()
    {
        Assert.Null(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")); // the tests do not run in a pod
        using var lister = KubernetesPodLister.InCluster(new PodDiscoveryOptions());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => lister.ListAsync(CancellationToken.None));
        Assert.Contains("KUBERNETES_SERVICE_HOST is not set", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingApi(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public List<(HttpMethod Method, string Uri, string? Authorization)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.Method, request.RequestUri!.AbsoluteUri, request.Headers.Authorization?.ToString()));
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body), ReasonPhrase = status.ToString() });
        }
    }
}
