using System.Text;
using System.Text.Json;
using RnnCluster.Training.Runtime;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Appends one JSON line per applied step — <c>{"run":…,"step":…,"nodes":[[lo,hi,"worker"],…]}</c> —
/// to a file, on a thread of its own: the server's thread only hands the entries over.
/// </summary>
public sealed class StepLedger : IDisposable
{
    private readonly QuietQueue<object> _lines = new(); // lines, and flush markers
    private readonly Thread _writer;
    private readonly string _path;

    /// <summary>Why the last write failed (a full disk, a removed directory), or null; later lines are still tried.</summary>
    public string? LastError { get; private set; }

    public StepLedger(string path)
    {
        _path = path;
        _writer = new Thread(Write) { IsBackground = true, Name = "rnncluster-ledger" };
        _writer.Start();
    }

    public void Append(string runId, long step, IReadOnlyList<LedgerEntry> entries) => _lines.Add(Line(runId, step, entries));

    /// <summary>Waits until every line appended so far is in the file (before the run reports its end); why a write failed, or null.</summary>
    public string? Flush()
    {
        using var written = new ManualResetEventSlim();
        _lines.Add(written);
        written.Wait();
        return LastError;
    }

    public static string Line(string runId, long step, IReadOnlyList<LedgerEntry> entries)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("run", runId);
            json.WriteNumber("step", step);
            json.WriteStartArray("nodes");
            foreach (var e in entries)
            {
                json.WriteStartArray();
                json.WriteNumberValue(e.Lo);
                json.WriteNumberValue(e.Hi);
                json.WriteStringValue(e.Worker);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void Write()
    {
        foreach (var item in _lines.GetConsumingEnumerable())
        {
            if (item is ManualResetEventSlim flushed)
                flushed.Set();
            else
            {
                try
                {
                    File.AppendAllText(_path, item + "\n");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    LastError = e.Message; // the run goes on; the ledger is an audit aid
                }
            }
        }
    }

    public void Dispose()
    {
        _lines.CompleteAdding();
        _writer.Join();
    }
}
