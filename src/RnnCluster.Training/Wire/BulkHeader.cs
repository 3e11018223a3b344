using System.Buffers.Binary;
using MessagePack;

namespace RnnCluster.Training.Wire;

/// <summary>
/// One message on the bulk channel:
/// <code>
///   u32 magic "RNB1" | u32 header length H | H bytes MessagePack header | u32 payload length P | P bytes payload
/// </code>
/// The header names the recipient and sender by full actor path and the payload's serializer and
/// manifest; the payload is the message exactly as Akka.Remote would have carried it. When the
/// header gives a blob (offset and length), those payload bytes are a tensor blob that the sender
/// wrote from its own array and the receiver reads into a pooled one, each without a copy.
/// </summary>
[MessagePackObject]
public sealed record BulkHeader(
    [property: Key(0)] string Recipient,
    [property: Key(1)] string Sender,
    [property: Key(2)] int SerializerId,
    [property: Key(3)] string Manifest,
    [property: Key(4)] int BlobOffset = 0,
    [property: Key(5)] int BlobLength = 0);
