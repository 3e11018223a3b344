using System.Text;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// The binary checkpoint format. Every number is little-endian; strings are a uint32 byte
/// length followed by UTF-8; floats are IEEE-754 binary32 stored bit for bit (negative zero,
/// subnormals and the optimizer state's NaN payloads survive a round trip).
///
/// Format version 1:
/// <code>
///  offset  size  field
///  0       8     magic "RNNCKPT\0"
///  8       4     uint32 format version (1)
///  12      8     uint64 total file length L, including the checksum
///  20      4     uint32 header length H (the bytes from offset 24 up to the parameters)
///  24      H     header:
///                  int32  parameter layout version: 1 full softmax, 2 adaptive softmax
///                         (ModelDescription.StoredLayoutVersion)
///                  string run id
///                  int64  step (optimizer steps applied)
///                  model (24):    int32 cell, vocab size, embed, hidden, layers; float32 dropout
///                  layout 2 only: int32 cutoff count K (1..MaxCutoffs); K × int32 cutoff
///                  vocabulary:    int32 tokenizer kind, unknown id, token count N; N × string
///                  settings (76): uint64 seed; int32 seq len, batch, micro-batches;
///                                 int32 optimizer kind; float32 lr, beta1, beta2, epsilon,
///                                   weight decay, momentum, alpha;
///                                 int32 schedule kind, warmup steps, decay steps;
///                                   float32 decay factor, min lr fraction;
///                                 float32 clip norm
///                  metadata (16): uint32 flags (1 = loss, 2 = created-at); float32 last train
///                                 loss; int64 created-at Unix ms (absent values are 0)
///                  sizes (8):     int32 parameter count P, optimizer state count S
///  24+H    4·P   parameters, float32, ParameterLayout order
///  ...     4·S   optimizer state, float32, opaque
///  L-8     8     uint64 XXH64 (seed 0) of bytes [0, L-8)
/// </code>
/// The checksum is standard XXH64, so a file can be checked outside .NET:
/// <c>head -c -8 f.ckpt | xxhsum -H1</c> prints the value stored little-endian in the last 8 bytes.
///
/// Reading checks, in this order: magic, format version, the file length against L (truncated,
/// trailing bytes), the checksum, then the content (layout version, enums, settings, vocabulary
/// size, parameter count, finite parameters). A damaged byte anywhere after the version field is
/// therefore reported as a checksum mismatch (a damaged length field too: the checksum matches
/// once the field holds the real length), never as a misleading truncation or content error.
/// </summary>
public static class CheckpointFormat
{
    public const uint CurrentVersion = 1;

    internal const int VersionOffset = 8;
    internal const int TotalLengthOffset = 12;
    internal const int HeaderLengthOffset = 20;
    internal const int PrefixSize = 24;
    internal const int ChecksumSize = 8;
    internal const int MinimumLength = PrefixSize + ChecksumSize;
    internal const int MaxHeaderLength = 256 << 20;
    internal const int ModelSize = 24;
    internal const int VocabularyHeaderSize = 12;
    internal const int SettingsSize = 76;
    internal const int MetadataSize = 16;
    internal const int SizesSize = 8;
    internal const int MaxCutoffs = 64;

    internal const uint MetadataHasLoss = 1;
    internal const uint MetadataHasCreatedAt = 2;

    /// <summary>Floats per chunk when copying and hashing: big enough for few calls, small enough to hash from cache.</summary>
    internal const int ChunkFloats = 1 << 18;

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The 8 bytes every checkpoint starts with: ASCII "RNNCKPT" and a NUL.</summary>
    public static ReadOnlySpan<byte> Magic => "RNNCKPT\0"u8;

    /// <summary>The whole checkpoint as one array. Throws <see cref="CheckpointException"/> (Invalid) for content a reader would reject.</summary>
    public static byte[] Serialize(Checkpoint checkpoint) => CheckpointWriter.Serialize(checkpoint, validate: true);

    /// <param name="validate">false only for tests that need files a reader must reject.</param>
    internal static byte[] Serialize(Checkpoint checkpoint, bool validate) => CheckpointWriter.Serialize(checkpoint, validate);

    /// <summary>Writes the checkpoint without an intermediate copy of the arrays.</summary>
    public static void WriteTo(Stream stream, Checkpoint checkpoint) => CheckpointWriter.WriteTo(stream, checkpoint);

    /// <summary>
    /// Writes to <paramref name="path"/> atomically: into "path.tmp", flushed to disk, then
    /// renamed over the target, so a crash never leaves a half-written checkpoint under the name.
    /// </summary>
    public static void SaveFile(string path, Checkpoint checkpoint) => CheckpointWriter.SaveFile(path, checkpoint);

    /// <summary>The flat buffer as raw little-endian float32 in parameter order: exactly 4·N bytes, no header.</summary>
    public static void WriteRawParameters(Stream stream, ReadOnlySpan<float> parameters) => CheckpointWriter.WriteRawParameters(stream, parameters);

    /// <summary>Reads and fully validates a checkpoint (see the class remarks for the order of checks).</summary>
    public static Checkpoint Deserialize(ReadOnlySpan<byte> bytes) => CheckpointReader.Deserialize(bytes);

    /// <summary>
    /// Reads the rest of <paramref name="stream"/> as one checkpoint (bytes after it are an error),
    /// with the same checks in the same order as <see cref="Deserialize"/>, and the same messages.
    /// </summary>
    public static Checkpoint ReadFrom(Stream stream) => CheckpointReader.ReadFrom(stream);

    /// <summary>Loads and validates a checkpoint file; error messages start with the path.</summary>
    public static Checkpoint LoadFile(string path) => CheckpointReader.LoadFile(path);

    /// <summary>
    /// The header from the start of a checkpoint: <paramref name="bytes"/> must reach at least the
    /// end of the header (a whole file is fine). The header's fields are validated, but the
    /// checksum is not (it covers the arrays): use <see cref="Deserialize"/> to verify a file.
    /// </summary>
    public static CheckpointHeader ReadHeader(ReadOnlySpan<byte> bytes) => CheckpointListing.ReadHeader(bytes);

    /// <summary>
    /// Reads only the prefix and the header from the stream's position (the arrays are not read,
    /// the checksum is not verified). On a seekable stream a file shorter or longer than the
    /// header declares is reported as truncated or as having trailing bytes.
    /// </summary>
    public static CheckpointHeader ReadHeader(Stream stream) => CheckpointListing.ReadHeader(stream);

    /// <summary><see cref="ReadHeader(Stream)"/> of a file; error messages start with the path.</summary>
    public static CheckpointHeader ReadHeaderFile(string path) => CheckpointListing.ReadHeaderFile(path);

    /// <summary>One line for listings, e.g.
    /// "run-7 step 1200 | lstm vocab=65 embed=64 hidden=512 layers=2 dropout=0 | char tokens | adamw lr=0.002 constant | seed=7 seq=128 batch=32/4 clip=1 | 1,234 params + 2,468 state, 0.0 MB | loss 1.2346 | created 2025-11-28 08:04:05Z".</summary>
    public static string Describe(CheckpointHeader header) => CheckpointListing.Describe(header);
}
