using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace RnnCluster.Dashboard;

/// <summary>The page and uPlot, from the assembly's embedded wwwroot (wwwroot/README.md names versions and licences).</summary>
internal static class StaticAssets
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8", [".js"] = "text/javascript; charset=utf-8", [".css"] = "text/css; charset=utf-8",
        [".LICENSE"] = "text/plain; charset=utf-8", // uPlot's MIT notice travels with the copy it covers
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        var assembly = typeof(StaticAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            string file = name["wwwroot/".Length..];
            if (!Types.TryGetValue(Path.GetExtension(file), out var type))
                continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            app.MapGet("/" + file, () => Results.Bytes(bytes, type));
            if (file == "index.html")
                app.MapGet("/", () => Results.Bytes(bytes, type));
        }
    }
}
