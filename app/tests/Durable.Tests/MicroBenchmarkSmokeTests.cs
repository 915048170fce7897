using System.Text.Json;
using FoodOrdering.Benchmarks.Micro;
using FoodOrdering.Benchmarks.Workflows;

namespace Durable.Tests;

/// <summary>
/// The BenchmarkDotNet micro-benchmarks' setup and methods, each invoked once directly, outside
/// BenchmarkDotNet: the recorded histories replay and every variant computes the same thing. No timing is asserted.
/// </summary>
public sealed class MicroBenchmarkSmokeTests
{
    [Fact]
    public async Task GetAsync_RecordedCourierHistory_HasActivitiesTimersAndSignalsAndEndsBeforeAnActivation()
    {
        var history = await RecordedHistories.GetAsync(1_000);

        Assert.InRange(history.Count, 900, 1_000);
        Assert.Contains(history, e => e.Type == HistoryEventType.ActivityCompleted);
        Assert.Contains(history, e => e.Type == HistoryEventType.TimerFired);
        Assert.Contains(history, e => e.Type == HistoryEventType.SignalReceived);
        Assert.Equal(HistoryEventType.ActivationStarted, history[0].Type);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(RecordedHistories.MaxEvents)]
    public async Task ReplayBenchmarks_EachMethodOnce_DeserializesTheRecordedEventsAndReplaysThem(int events)
    {
        var benchmarks = new ReplayBenchmarks { Events = events };
        benchmarks.Setup();

        var deserialized = benchmarks.Deserialize();
        benchmarks.Replay();
        benchmarks.DeserializeAndReplay();

        Assert.InRange(deserialized.Count, events * 9 / 10, events);
        Assert.Equal(await RecordedHistories.GetAsync(events), deserialized);
    }

    [Fact]
    public void HistoryEventSerializationBenchmarks_EachMethodOnce_ReflectionAndSourceGeneratedAgree()
    {
        var benchmarks = new HistoryEventSerializationBenchmarks();
        benchmarks.Setup();

        Assert.True(benchmarks.SerializeSourceGenerated() > 0);
        Assert.Equal(benchmarks.SerializeSourceGenerated(), benchmarks.SerializeReflection());
        Assert.True(benchmarks.DeserializeSourceGenerated() > 0);
        Assert.Equal(benchmarks.DeserializeSourceGenerated(), benchmarks.DeserializeReflection());
    }

    [Fact]
    public void PayloadSerializationBenchmarks_EachMethodOnce_RoundTripTheSamePosition()
    {
        var benchmarks = new PayloadSerializationBenchmarks();

        var json = benchmarks.SerializeDurableJson();

        Assert.Equal(benchmarks.SerializeSourceGenerated(), json);
        Assert.Equal("driver-7", JsonDocument.Parse(json).RootElement.GetProperty("driverId").GetString());
        Assert.Equal(benchmarks.DeserializeSourceGenerated(), benchmarks.DeserializeDurableJson());
        Assert.IsType<DriverPosition>(benchmarks.DeserializeDurableJson());
    }

    [Fact]
    public void Config_MicroBenchmarks_ShortInProcessJobWithMemoryDiagnoserAndGitHubMarkdown()
    {
        var config = MicroBenchmarks.Config(Path.GetTempPath());

        var job = Assert.Single(config.GetJobs());
        Assert.Equal(5, job.Run.IterationCount);
        Assert.Contains(config.GetDiagnosers(), d => d is BenchmarkDotNet.Diagnosers.MemoryDiagnoser);
        Assert.Contains(config.GetExporters(), e => e == BenchmarkDotNet.Exporters.MarkdownExporter.GitHub);
        Assert.All(MicroBenchmarks.Types, t => Assert.Contains(t.GetMethods(), m =>
            m.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false)
                .Cast<BenchmarkDotNet.Attributes.BenchmarkAttribute>().Any(b => b.Baseline)));
    }
}
