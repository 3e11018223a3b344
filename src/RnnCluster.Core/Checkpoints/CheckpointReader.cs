namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Full reads. An array and a stream both go through <see cref="Read"/>, the one sequence of
/// checks, so that the same damaged bytes fail with the same error whichever way they are read.
/// </summary>
internal static class CheckpointReader
{
    public static Checkpoint Deserialize(ReadOnlySpan<byte> bytes) => Read(new SpanCheckpointSource(bytes));

    public static Checkpoint ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Read(new StreamCheckpointSource(stream));
    }

    public static Checkpoint LoadFile(string path) => ReadFile(path, bufferSize: 1, FileOptions.SequentialScan, ReadFrom);

    /// <summary>Puts the path in front of <paramref name="read"/>'s errors: of many files, the message must say which one is broken.</summary>
    public static T ReadFile<T>(string path, int bufferSize, FileOptions options, Func<Stream, T> read)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, options);
        try
        {
            return read(file);
        }
        catch (CheckpointException e)
        {
            throw new CheckpointException(e.Kind, $"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The order <see cref="CheckpointFormat"/> documents. The checksum comes before every
    /// content check, so that damage is reported as damage and not as whatever field it hit.
    /// </summary>
    private static Checkpoint Read<TSource>(TSource source) where TSource : ICheckpointSource, allows ref struct
    {
        var prefix = CheckpointPrefix.Read(source.Start);
        source.VerifyIntegrity(prefix);
        // Past the integrity check the data is exactly as long as the prefix declares.
        var parsed = CheckpointHeaderParser.Check(source.Head, prefix, available: (long)prefix.TotalLength);
        var h = parsed.Header;
        var (parameters, state) = source.ReadArrays(prefix, h);
        CheckpointContentChecks.CheckFinite(parameters, parsed.Layout);
        return new Checkpoint(h.RunId, h.Step, h.Model, h.Vocabulary, h.Settings, parameters, state, h.Metadata);
    }
}
