using System.Text.RegularExpressions;

namespace RnnCluster.Training.Tests.House;

/// <summary>
/// The house rules a newcomer relies on: small files, thin actors, one public type per file named
/// after it, no stray logs, and an architecture document that names only what exists.
/// </summary>
public sealed partial class RepositoryTests
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RnnCluster.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("RnnCluster.sln not found above the test assembly.");
    }

    private static IEnumerable<string> Files(string under, string pattern) =>
        Directory.EnumerateFiles(Path.Combine(Root, under), pattern, SearchOption.AllDirectories)
            .Where(f => !Regex.IsMatch(Path.GetRelativePath(Root, f), @"(^|/)(bin|obj|TestResults|\.git)/"));

    private static string Relative(string path) => Path.GetRelativePath(Root, path);

    [Fact]
    public void No_source_file_is_over_400_lines_and_no_actor_over_250()
    {
        var tooLong = new List<string>();
        foreach (var file in Files("src", "*.cs"))
        {
            var lines = File.ReadAllLines(file);
            bool actor = lines.Any(l => ActorDeclaration().IsMatch(l));
            int limit = actor ? 250 : 400;
            if (lines.Length > limit)
                tooLong.Add($"{Relative(file)}: {lines.Length} lines (limit {limit}{(actor ? ", an actor" : "")})");
        }
        Assert.Empty(tooLong);
    }

    [Fact]
    public void Every_source_file_holds_one_top_level_type_named_after_it()
    {
        var wrong = new List<string>();
        foreach (var file in Files("src", "*.cs").Where(f => Path.GetFileName(f) != "Program.cs"))
        {
            var names = File.ReadAllLines(file).Select(l => TopLevelType().Match(l)).Where(m => m.Success).Select(m => m.Groups["name"].Value).ToList();
            if (names.Count != 1 || names[0] != Path.GetFileNameWithoutExtension(file))
                wrong.Add($"{Relative(file)}: {(names.Count == 0 ? "no type" : string.Join(", ", names))}");
        }
        Assert.Empty(wrong);
    }

    [Fact]
    public void No_log_file_is_kept_in_the_repository()
    {
        Assert.Empty(Files(".", "*.log").Select(Relative));
    }

    [Fact]
    public void Every_path_in_the_architecture_document_exists_and_every_name_it_uses_is_in_the_code()
    {
        string doc = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));
        var quoted = Quoted().Matches(doc).Select(m => m.Groups[1].Value).Distinct().ToList();
        var missingPaths = quoted.Where(q => PathLike().IsMatch(q))
            .Where(q => !File.Exists(Path.Combine(Root, q)) && !Directory.Exists(Path.Combine(Root, q)) && !q.StartsWith("tests/*", StringComparison.Ordinal))
            .ToList();
        Assert.Empty(missingPaths);

        var code = string.Join("\n", Files("src", "*.cs").Concat(Files("tests", "*.cs")).Select(File.ReadAllText));
        var identifiers = Identifier().Matches(code).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        var unknown = quoted.Where(q => TypeLike().IsMatch(q) && !identifiers.Contains(q)).ToList();
        Assert.Empty(unknown);
        Assert.True(quoted.Count(q => TypeLike().IsMatch(q)) > 50, "the document names the types it describes");
    }

    [GeneratedRegex(@"^(public |internal )?(sealed |abstract |static )*(partial )?class \w+.*: *(ReceiveActor|RunActor|ReceivePersistentActor|RunJournalActor|UntypedActor)\b")]
    private static partial Regex ActorDeclaration();

    [GeneratedRegex(@"^(public|internal) (?:(?:sealed|static|abstract|partial|readonly|unsafe|ref) )*(?:class|record struct|record|struct|interface|enum|delegate [\w<>?,\[\] ]+) (?<name>\w+)")]
    private static partial Regex TopLevelType();

    [GeneratedRegex(@"`([^`\n]+)`")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^(src|tests|docs|config|deploy|\.ci)/[\w./*-]*$|^[\w-]+\.(md|cs|sln|json|sh|py|yml)$")]
    private static partial Regex PathLike();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]+$")]
    private static partial Regex TypeLike();

    [GeneratedRegex(@"\b[A-Za-z_]\w*\b")]
    private static partial Regex Identifier();
}
