using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FoodOrdering.Host.Telemetry;

/// <summary>One metric series: an instrument and one combination of its tags.</summary>
public sealed record MetricSeries(string Name, string Kind, string? Unit, IReadOnlyDictionary<string, string> Tags,
    double Value, long? Count, double? Mean, double? P50, double? P95, double? Max, double? PerSecond);

public sealed record CacheSummary(long Hits, long Misses, double? HitRatio);

/// <summary>What GET /api/metrics returns: the headline figures, then every series.</summary>
public sealed record MetricsSnapshot(DateTimeOffset At, int WindowSeconds, IReadOnlyDictionary<string, long> OrdersByStatus, double SignalsPerSecond,
    CacheSummary Cache, long ActiveTasks, IReadOnlyDictionary<string, long> KafkaLag, IReadOnlyList<MetricSeries> Series);

/// <summary>
/// The process's own reading of its metrics, for GET /api/metrics and the UI's analytics, whether or not they are
/// exported: a MeterListener on the engine's, Kafka's and the food system's meters. Counters keep totals and a
/// per-second rate over the last minute; histograms keep count, mean, max and percentiles of their latest values.
/// </summary>
public sealed class MetricsSummary : IDisposable
{
    public const int WindowSeconds = 60;
    private const int Reservoir = 2_048;
    private static readonly string[] MeterNames = ["Durable", OrderMetrics.MeterName, FoodOrdering.Kafka.KafkaTracing.SourceName];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Key), Series> _series = new();
    private readonly OrderMetrics _orders;

    public MetricsSummary(OrderMetrics orders)
    {
        _orders = orders;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (MeterNames.Contains(instrument.Meter.Name, StringComparer.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public MetricsSnapshot Snapshot()
    {
        // Gauges report only when asked.
        foreach (var gauge in _series.Keys.Where(k => k.Instrument.IsObservable).ToList())
        {
            _series.TryRemove(gauge, out _);
        }
        _listener.RecordObservableInstruments();
        var now = Stopwatch.GetTimestamp();
        var series = _series.Select(s => s.Value.View(s.Key.Instrument, now)).OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => string.Join(",", s.Tags), StringComparer.Ordinal).ToList();
        double Sum(string name, Func<MetricSeries, double> value) => series.Where(s => s.Name == name).Sum(value);
        var hits = (long)Sum("durable.cache.hits", s => s.Value);
        var misses = (long)Sum("durable.cache.misses", s => s.Value);
        return new MetricsSnapshot(
            DateTimeOffset.UtcNow,
            WindowSeconds,
            _orders.ByStatus(),
            Math.Round(Sum("durable.signals.received", s => s.PerSecond ?? 0), 3),
            new CacheSummary(hits, misses, hits + misses == 0 ? null : Math.Round((double)hits / (hits + misses), 4)),
            (long)Sum("durable.worker.tasks.active", s => s.Value),
            FoodOrdering.Kafka.KafkaMetrics.LagByTopic(),
            series);
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            pairs[tag.Key] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }
        var key = string.Join(",", pairs.Select(p => $"{p.Key}={p.Value}"));
        _series.GetOrAdd((instrument, key), _ => new Series(pairs)).Add(instrument, value);
    }

    private sealed class Series(IReadOnlyDictionary<string, string> tags)
    {
        private readonly Lock _gate = new();
        private readonly double[] _recent = new double[Reservoir];
        private readonly long[] _perSecond = new long[WindowSeconds];
        private readonly long[] _secondOf = new long[WindowSeconds];
        private double _value;
        private long _count;
        private double _max = double.MinValue;

        public void Add(Instrument instrument, double value)
        {
            lock (_gate)
            {
                switch (instrument)
                {
                    case ObservableGauge<long> or ObservableGauge<double> or ObservableGauge<int>:
                        _value = value;
                        break;
                    case Histogram<double> or Histogram<long>:
                        _recent[_count % Reservoir] = value;
                        _count++;
                        _value += value;
                        _max = Math.Max(_max, value);
                        break;
                    default:
                        _value += value;
                        var second = Stopwatch.GetTimestamp() / Stopwatch.Frequency;
                        var slot = (int)(second % WindowSeconds);
                        if (_secondOf[slot] != second)
                        {
                            _secondOf[slot] = second;
                            _perSecond[slot] = 0;
                        }
                        _perSecond[slot] += (long)value;
                        break;
                }
            }
        }

        public MetricSeries View(Instrument instrument, long now)
        {
            lock (_gate)
            {
                if (instrument is Histogram<double> or Histogram<long>)
                {
                    var recent = _recent.Take((int)Math.Min(_count, Reservoir)).Order().ToArray();
                    return new MetricSeries(instrument.Name, "histogram", instrument.Unit, tags, Math.Round(_value, 3), _count,
                        _count == 0 ? null : Math.Round(_value / _count, 3), Percentile(recent, 0.5), Percentile(recent, 0.95), _count == 0 ? null : Math.Round(_max, 3), null);
                }
                if (instrument.IsObservable)
                {
                    return new MetricSeries(instrument.Name, "gauge", instrument.Unit, tags, _value, null, null, null, null, null, null);
                }
                var second = now / Stopwatch.Frequency;
                var inWindow = 0L;
                for (var i = 0; i < WindowSeconds; i++)
                {
                    inWindow += second - _secondOf[i] < WindowSeconds ? _perSecond[i] : 0;
                }
                return new MetricSeries(instrument.Name, instrument is UpDownCounter<long> or UpDownCounter<int> ? "updowncounter" : "counter", instrument.Unit, tags,
                    _value, null, null, null, null, null, Math.Round((double)inWindow / WindowSeconds, 3));
            }
        }

        private static double? Percentile(double[] sorted, double p) =>
            sorted.Length == 0 ? null : Math.Round(sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)], 3);
    }
}
