namespace RnnCluster.Interop;

/// <summary>
/// A file from (or for) another runtime that cannot be read or written as asked: the message names
/// what differs (a tensor, a shape, an offset, a metadata field) and is meant for the user as is.
/// </summary>
public sealed class InteropException(string message) : Exception(message);
