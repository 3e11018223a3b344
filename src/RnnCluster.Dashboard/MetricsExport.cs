using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;
using RnnCluster.Training.Node;

namespace RnnCluster.Dashboard;

/// <summary>
/// /metrics shows the <see cref="RnnClusterMetrics"/> meter, the process metrics and the
/// dashboard's own HTTP metrics. The meter is bridged here rather than by prometheus-net's meter
/// adapter, which shows .NET counters as gauges and names them after the meter: this way a counter
/// is a Prometheus counter named rnncluster_NAME_total, a histogram has buckets in seconds, and
/// the names are the ones docs/dashboard.md lists. .NET's event counters are left out, so that a
/// scrape stays small.
/// </summary>
internal static class MetricsExport
{
    /// <summary>Seconds, from a millisecond to about two minutes: a tiny model's step to a big model's checkpoint.</summary>
    private static readonly double[] SecondsBuckets = Histogram.ExponentialBuckets(0.001, 2, 18);

    private static readonly Lock Once = new();
    private static readonly ConcurrentDictionary<Instrument, Collector> Collectors = new();
    private static MeterListener? _listener;

    /// <summary>Once per process, before the registry is first used (prometheus-net ignores its options after that).</summary>
    public static void Configure()
    {
        lock (Once)
        {
            if (_listener is not null)
                return;
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressDebugMetrics = true, SuppressMeters = true });
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == RnnClusterMetrics.MeterName)
                        listener.EnableMeasurementEvents(instrument);
                },
            };
            _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
            _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
            _listener.Start();
            // Observable gauges are read when Prometheus scrapes.
            Metrics.DefaultRegistry.AddBeforeCollectCallback(() => _listener.RecordObservableInstruments());
        }
    }

    private static void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new string[tags.Length];
        var names = new string[tags.Length];
        for (int i = 0; i < tags.Length; i++)
            (names[i], labels[i]) = (tags[i].Key, tags[i].Value?.ToString() ?? "");
        var collector = Collectors.GetOrAdd(instrument, i => Create(i, names));
        switch (collector)
        {
            case Counter c: c.WithLabels(labels).Inc(value); break;
            case Histogram h: h.WithLabels(labels).Observe(value); break;
            case Gauge g: g.WithLabels(labels).Set(value); break;
        }
    }

    /// <summary>The label names are the tags of the first measurement: each instrument is always recorded with the same ones.</summary>
    private static Collector Create(Instrument instrument, string[] labelNames)
    {
        string name = $"{RnnClusterMetrics.MeterName}_{instrument.Name}";
        string help = instrument.Description ?? instrument.Name;
        return instrument switch
        {
            Counter<long> or Counter<double> => Metrics.CreateCounter(name + "_total", help, labelNames),
            Histogram<double> => Metrics.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = labelNames, Buckets = SecondsBuckets }),
            _ => Metrics.CreateGauge(name, help, labelNames),
        };
    }
}
