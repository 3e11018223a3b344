using Akka.Event;
using RnnCluster.Training.Runtime;

namespace RnnCluster.Training.Tests.Runtime;

public sealed class PlainConsoleLoggerTests
{
    [Fact]
    public void A_logged_exception_shows_its_type_and_message_but_no_stack_trace()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("outer", new TimeoutException("inner"));
        }
        catch (Exception e)
        {
            thrown = e;
        }
        string line = PlainConsoleLogger.Format(new Warning(thrown, "akka://rnncluster/system/endpointManager", typeof(PlainConsoleLoggerTests), "Association failed"));

        Assert.Contains("[WARNING][", line);
        Assert.Contains("[akka://rnncluster/system/endpointManager] Association failed", line);
        Assert.EndsWith("Cause: InvalidOperationException: outer <- TimeoutException: inner", line);
        Assert.DoesNotContain(" at ", line);
    }

    [Fact]
    public void Stack_frames_written_into_the_message_are_left_out()
    {
        string message = "Association with remote system akka.tcp://rnncluster@127.0.0.1:45473 has failed. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated\n"
                         + "   at Akka.Remote.EndpointWriter.PublishAndThrow(Exception reason, LogLevel level, Boolean needToThrow)\n"
                         + "   at Akka.Actor.ActorBase.AroundReceive(Receive receive, Object message)\n--- End of stack trace from previous location ---\n]";
        string line = PlainConsoleLogger.Format(new Warning("endpointWriter", typeof(PlainConsoleLoggerTests), message));
        Assert.EndsWith("Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated\n]", line);
        Assert.DoesNotContain(" at ", line);
    }

    [Fact]
    public void A_line_without_an_exception_is_the_message_alone()
    {
        string line = PlainConsoleLogger.Format(new Error(null, "src", typeof(PlainConsoleLoggerTests), "boom"));
        Assert.StartsWith("[ERROR][", line);
        Assert.EndsWith("[src] boom", line);
    }
}
