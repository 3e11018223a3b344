using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Checkpoints;

/// <summary>Small deterministic checkpoints and byte-level helpers shared by the checkpoint tests.</summary>
internal static class CheckpointSamples
{
    public const string RunId = "run-α-7";
    public const long Step = 1234;
    public const ulong Seed = 0xDEADBEEFCAFEF00DUL;
    public const long CreatedAt = 1764316800123L; // 2025-11-28 08:00:00.123 UTC

    // Chinese characters and emoji (surrogate pairs, 4-byte UTF-8) on purpose.
    public static Vocabulary CharVocabulary() =>
        new(TokenizerKind.Char, ["a", "b", " ", "\n", "中", "文", "😀", "🚀", "é"], -1);

    public static Vocabulary WordVocabulary() =>
        new(TokenizerKind.Word, [Vocabulary.UnknownToken, "the", " ", "猫", "👍🏽", ",", "\t\t", "naïve", "🇨🇭"], 0);

    public static Vocabulary VocabularyOf(TokenizerKind kind) => kind == TokenizerKind.Char ? CharVocabulary() : WordVocabulary();

    public static TrainingSettings Settings(OptimizerKind kind = OptimizerKind.Adam, float momentum = 0.7f) =>
        new(Seed, SeqLen: 17, Batch: 12, MicroBatches: 3,
            new OptimizerSettings(kind, 0.0025f, Beta1: 0.85f, Beta2: 0.995f, Epsilon: 1e-7f, WeightDecay: 0.01f, Momentum: momentum, Alpha: 0.95f),
            new LrSchedule(LrScheduleKind.WarmupCosine, WarmupSteps: 10, DecaySteps: 500, DecayFactor: 0.3f, MinLrFraction: 0.05f),
            ClipNorm: 1.5f);

    public static ModelDescription ModelOf(CellKind cell = CellKind.Lstm, int vocabSize = 9) =>
        new(cell, vocabSize, Embed: 3, Hidden: 4, Layers: 2, Dropout: 0.25f);

    /// <summary>Optimizer state length as the optimizers would keep it (the format stores it opaquely).</summary>
    public static int StateLength(OptimizerSettings optimizer, int parameters) => optimizer.Kind switch
    {
        OptimizerKind.Sgd => optimizer.Momentum > 0 ? parameters : 0,
        OptimizerKind.Adam or OptimizerKind.AdamW => 2 * parameters,
        OptimizerKind.RmsProp => optimizer.Momentum > 0 ? 2 * parameters : parameters,
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer)),
    };

    public static Checkpoint Make(
        CellKind cell = CellKind.Lstm,
        OptimizerKind optimizer = OptimizerKind.Adam,
        TokenizerKind tokenizer = TokenizerKind.Char,
        float momentum = 0.7f,
        CheckpointMetadata? metadata = null,
        ulong randomSeed = 42)
    {
        var vocabulary = VocabularyOf(tokenizer);
        var model = ModelOf(cell, vocabulary.Count);
        var settings = Settings(optimizer, momentum);
        int count = new ParameterLayout(model).TotalSize;
        var random = new SplitMix64(randomSeed);
        var parameters = new float[count];
        for (int i = 0; i < count; i++)
            parameters[i] = random.NextFloat() * 2f - 1f;
        var state = new float[StateLength(settings.Optimizer, count)];
        for (int i = 0; i < state.Length; i++)
            state[i] = random.NextFloat() * 1e-3f;
        return new Checkpoint(RunId, Step, model, vocabulary, settings, parameters, state,
            metadata ?? new CheckpointMetadata(1.2345f, CreatedAt));
    }

    public static int HeaderLength(byte[] file) => (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20));

    public static int ParametersOffset(byte[] file) => 24 + HeaderLength(file);

    /// <summary>Recomputes the trailing XXH64, for files whose content a test changed on purpose.</summary>
    public static byte[] Resign(byte[] file)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(file.Length - 8), XxHash64.Hash(file.AsSpan(0, file.Length - 8)));
        return file;
    }

    public static ulong StoredChecksum(byte[] file) => BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(file.Length - 8));

    public static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values).ToArray();

    /// <summary>
    /// The documented section boundaries of a version-1 file, computed independently of the
    /// implementation from the checkpoint's contents: name → (offset, length).
    /// </summary>
    public static List<(string Name, int Offset, int Length)> Sections(Checkpoint c)
    {
        var sections = new List<(string, int, int)>();
        int offset = 0;
        void Add(string name, int length)
        {
            sections.Add((name, offset, length));
            offset += length;
        }

        Add("magic", 8);
        Add("format version", 4);
        Add("total length", 8);
        Add("header length", 4);
        Add("layout version", 4);
        Add("run id", 4 + Encoding.UTF8.GetByteCount(c.RunId));
        Add("step", 8);
        Add("model", 24);
        Add("vocabulary header", 12);
        for (int i = 0; i < c.Vocabulary.Count; i++)
            Add($"vocabulary token {i}", 4 + Encoding.UTF8.GetByteCount(c.Vocabulary.Tokens[i]));
        Add("training settings", 76);
        Add("metadata", 16);
        Add("array sizes", 8);
        Add("parameters", 4 * c.Parameters.Length);
        Add("optimizer state", 4 * c.OptimizerState.Length);
        Add("checksum", 8);
        return sections;
    }

    public static (string Name, int Offset, int Length) Section(Checkpoint c, string name) =>
        Sections(c).Single(s => s.Name == name);

    /// <summary>A stream that cannot seek and reports no length, like a pipe or a network stream.</summary>
    public sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public int BytesRead => _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            // Hand out at most 1000 bytes per call to exercise partial reads.
            int n = Math.Min(Math.Min(count, 1000), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
