using System.Buffers.Binary;
using MessagePack;

namespace RnnCluster.Training.Wire;

/// <summary>A frame as read: the payload without the blob (in the caller's buffer) and the blob, if the frame has one.</summary>
public readonly record struct ReadFrame(BulkHeader Header, int PayloadLength, TensorBlob? Blob);
