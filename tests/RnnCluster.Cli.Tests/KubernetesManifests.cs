using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// Every object of the YAML files under deploy/k8s, with what the checks need to see a pod as the
/// kubelet would start it: its containers' arguments and environment with ConfigMap and Secret
/// references, the downward API and Kubernetes' $(VAR) expansion resolved.
/// </summary>
internal sealed partial class KubernetesManifests
{
    /// <summary>What status.podIP stands for in a pod.</summary>
    public const string PodIp = "10.1.2.3";

    private KubernetesManifests(List<ManifestObject> objects) => Objects = objects;

    public List<ManifestObject> Objects { get; }

    public static KubernetesManifests Load(string directory)
    {
        var objects = new List<ManifestObject>();
        foreach (string file in Directory.GetFiles(directory, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file))
                stream.Load(reader);
            string relative = Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');
            foreach (var document in stream.Documents)
            {
                if (document.RootNode is YamlScalarNode { Value: null or "" })
                    continue; // an empty document (a trailing ---)
                Assert.True(document.RootNode is YamlMappingNode, $"{relative}: a document is not a mapping");
                var root = (YamlMappingNode)document.RootNode;
                objects.Add(new ManifestObject(relative, Text(root, "kind") ?? "", Text(root.Get("metadata"), "name") ?? "", root));
            }
        }
        return new KubernetesManifests(objects);
    }

    public IEnumerable<ManifestObject> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    public ManifestObject? Find(string kind, string name) => Objects.SingleOrDefault(o => o.Kind == kind && o.Name == name);

    /// <summary>StatefulSets, Deployments, DaemonSets and Jobs: the objects with a pod template.</summary>
    public IEnumerable<ManifestObject> Workloads => Objects.Where(o => o.Kind is "StatefulSet" or "Deployment" or "DaemonSet" or "Job");

    /// <summary>The value of a key of a ConfigMap or a Secret (stringData, or data in base64).</summary>
    public string KeyValue(string kind, string name, string key)
    {
        var source = Find(kind, name);
        Assert.True(source is not null, $"no {kind} named '{name}' in deploy/k8s");
        return Data(source!).TryGetValue(key, out string? value) ? value : throw new Xunit.Sdk.XunitException($"{kind} '{name}' has no key '{key}'");
    }

    public static Dictionary<string, string> Data(ManifestObject source)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        if (source.Root.Get("data") is YamlMappingNode encoded)
            foreach (var (key, value) in encoded.Children)
                data[((YamlScalarNode)key).Value!] = source.Kind == "Secret" ? Encoding.UTF8.GetString(Convert.FromBase64String(((YamlScalarNode)value).Value!)) : ((YamlScalarNode)value).Value!;
        if (source.Root.Get("stringData") is YamlMappingNode plain)
            foreach (var (key, value) in plain.Children)
                data[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value!;
        return data;
    }

    /// <summary>
    /// The container's environment as the process sees it: envFrom first, then env in order, each
    /// value expanded against the variables defined before it, as Kubernetes does.
    /// </summary>
    public Dictionary<string, string> Environment(ManifestObject workload, YamlMappingNode container)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in Items(container.Get("envFrom")))
        {
            string prefix = Text(source, "prefix") ?? "";
            var (kind, reference) = source.Get("configMapRef") is { } c ? ("ConfigMap", c) : ("Secret", source.Get("secretRef")!);
            var found = Find(kind, Text(reference, "name")!);
            Assert.True(found is not null, $"{workload}: envFrom names {kind} '{Text(reference, "name")}', which deploy/k8s does not define");
            foreach (var (key, value) in Data(found!))
                environment[prefix + key] = value;
        }
        foreach (var variable in Items(container.Get("env")))
        {
            string name = Text(variable, "name")!;
            if (Text(variable, "value") is { } value)
            {
                environment[name] = Expand(value, environment);
                continue;
            }
            var from = variable.Get("valueFrom");
            Assert.True(from is not null, $"{workload}: env {name} has neither value nor valueFrom");
            environment[name] = from!.Get("secretKeyRef") is { } secret ? KeyValue("Secret", Text(secret, "name")!, Text(secret, "key")!)
                : from.Get("configMapKeyRef") is { } map ? KeyValue("ConfigMap", Text(map, "name")!, Text(map, "key")!)
                : from.Get("fieldRef") is { } field ? Text(field, "fieldPath") switch
                {
                    "status.podIP" => PodIp,
                    "metadata.name" => $"{workload.Name}-0",
                    "metadata.namespace" => "some-namespace",
                    var path => throw new Xunit.Sdk.XunitException($"{workload}: env {name} uses fieldRef {path}, which the test does not know"),
                }
                : throw new Xunit.Sdk.XunitException($"{workload}: env {name} has a valueFrom the test does not know");
        }
        return environment;
    }

    /// <summary>Kubernetes' $(NAME) expansion: defined names are replaced, $$ escapes, unknown ones stay as written.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> environment) =>
        Reference().Replace(text, m => m.Value.StartsWith("$$", StringComparison.Ordinal) ? m.Value[1..]
            : environment.TryGetValue(m.Groups["name"].Value, out string? value) ? value : m.Value);

    /// <summary>A pod's labels satisfy an equality-based selector ("k=v,k==v,k!=v,k,!k").</summary>
    public static bool Matches(string selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (string raw in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Assert.DoesNotContain(" in ", raw, StringComparison.Ordinal); // set-based selectors are not needed here
            bool ok = raw.Split("!=") is [var k1, var v1] ? !(labels.TryGetValue(k1.Trim(), out var a) && a == v1.Trim())
                : raw.Split("==") is [var k2, var v2] ? labels.TryGetValue(k2.Trim(), out var b) && b == v2.Trim()
                : raw.Split('=') is [var k3, var v3] ? labels.TryGetValue(k3.Trim(), out var c) && c == v3.Trim()
                : raw.StartsWith('!') ? !labels.ContainsKey(raw[1..].Trim())
                : labels.ContainsKey(raw);
            if (!ok)
                return false;
        }
        return true;
    }

    public static YamlMappingNode PodSpec(ManifestObject workload) =>
        (YamlMappingNode)(workload.Root.Get("spec")?.Get("template")?.Get("spec") ?? throw new Xunit.Sdk.XunitException($"{workload} has no spec.template.spec"));

    public static Dictionary<string, string> PodLabels(ManifestObject workload) =>
        StringMap(workload.Root.Get("spec")?.Get("template")?.Get("metadata")?.Get("labels"));

    public static IEnumerable<YamlMappingNode> Containers(ManifestObject workload, bool withInit = false) =>
        Items(PodSpec(workload).Get("containers")).Concat(withInit ? Items(PodSpec(workload).Get("initContainers")) : []);

    /// <summary>The container's ports: name → number.</summary>
    public static Dictionary<string, int> Ports(YamlMappingNode container) =>
        Items(container.Get("ports")).ToDictionary(p => Text(p, "name") ?? "", p => int.Parse(Text(p, "containerPort")!, System.Globalization.CultureInfo.InvariantCulture));

    public static Dictionary<string, string> StringMap(YamlNode? node) =>
        node is YamlMappingNode map ? map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? "") : [];

    public static IEnumerable<YamlMappingNode> Items(YamlNode? node) => node is YamlSequenceNode list ? list.Children.Cast<YamlMappingNode>() : [];

    public static List<string> Strings(YamlNode? node) => node is YamlSequenceNode list ? list.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList() : [];

    public static string? Text(YamlNode? node, string key) => node?.Get(key) is YamlScalarNode s ? s.Value : null;

    /// <summary>A plain scalar that YAML reads as a number, boolean or null: Kubernetes refuses it where a string is due.</summary>
    public static bool IsUnquotedNonString(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } && (v is null || NonString().IsMatch(v));

    [GeneratedRegex(@"\$?\$\((?<name>[A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|no|on|off|[-+]?[0-9][0-9_]*(\.[0-9]*)?([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+)$")]
    private static partial Regex NonString();
}

/// <summary>One object of a manifest file.</summary>
internal sealed record ManifestObject(string File, string Kind, string Name, YamlMappingNode Root)
{
    public override string ToString() => $"{File}: {Kind} '{Name}'";
}
