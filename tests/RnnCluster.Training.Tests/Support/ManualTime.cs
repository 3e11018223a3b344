namespace RnnCluster.Training.Tests.Support;

/// <summary>A clock the test moves by hand: decision objects that measure time run without waiting.</summary>
internal sealed class ManualTime : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}
