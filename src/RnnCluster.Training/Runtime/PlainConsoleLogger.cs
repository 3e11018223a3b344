using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace RnnCluster.Training.Runtime;

/// <summary>
/// Akka's log lines on stdout, as its StandardOutLogger writes them but with an exception's type
/// and message instead of its stack trace — also where Akka wrote the exception into the message
/// text, as remoting does for a failed association: a warning about a dead peer is an expected
/// event for a user, not a crash report. RNNCLUSTER_LOG_STACK_TRACES=1 prints the traces again.
/// </summary>
public sealed class PlainConsoleLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private static readonly bool StackTraces = Environment.GetEnvironmentVariable("RNNCLUSTER_LOG_STACK_TRACES") == "1";

    public PlainConsoleLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => Console.WriteLine(Format(e)));
    }

    /// <summary>"[LEVEL][time][Thread n][source] message", then "Cause: Type: message" for each exception in the chain.</summary>
    public static string Format(LogEvent e)
    {
        string message = e.Message?.ToString() ?? "";
        if (!StackTraces && message.Contains('\n'))
            message = string.Join('\n', message.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => !IsStackFrame(l)));
        string line = $"[{e.LogLevel().ToString().Replace("Level", "", StringComparison.Ordinal).ToUpperInvariant()}][{e.Timestamp:MM/dd/yyyy HH:mm:ss.fff}Z][Thread {e.Thread.ManagedThreadId:0000}][{e.LogSource}] {message}";
        if (e.Cause is null)
            return line;
        if (StackTraces)
            return $"{line}\nCause: {e.Cause}";
        var causes = new List<string>();
        for (var cause = e.Cause; cause is not null && causes.Count < 4; cause = cause.InnerException)
            causes.Add($"{cause.GetType().Name}: {cause.Message}");
        return $"{line}\nCause: {string.Join(" <- ", causes)}";
    }

    private static bool IsStackFrame(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith("at ", StringComparison.Ordinal) && line.Length > trimmed.Length
               || trimmed.StartsWith("--- End of ", StringComparison.Ordinal);
    }
}
