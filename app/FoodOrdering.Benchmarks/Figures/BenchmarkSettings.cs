namespace FoodOrdering.Benchmarks.Figures;

/// <summary>How much work each figure does.</summary>
public sealed record BenchmarkSettings(
    int RawCommits,
    int Workflows,
    int LatencySteps,
    int ReplayEvents,
    int SleepingWorkflows,
    int ReplayRuns,
    int Signals,
    int SignalWorkflows,
    int Timers,
    int InFlight,
    int EndToEndRate,
    int EndToEndSeconds)
{
    public static readonly BenchmarkSettings Full = new(RawCommits: 20_000, Workflows: 20_000, LatencySteps: 2_000, ReplayEvents: 10_000, SleepingWorkflows: 100_000, ReplayRuns: 15,
        Signals: 200_000, SignalWorkflows: 100, Timers: 10_000, InFlight: 10_000, EndToEndRate: 200, EndToEndSeconds: 60);

    /// <summary>A smoke run of a minute or so: the numbers are indicative only.</summary>
    public static readonly BenchmarkSettings Quick = new(RawCommits: 5_000, Workflows: 2_000, LatencySteps: 500, ReplayEvents: 3_000, SleepingWorkflows: 5_000, ReplayRuns: 7,
        Signals: 20_000, SignalWorkflows: 100, Timers: 2_000, InFlight: 2_000, EndToEndRate: 100, EndToEndSeconds: 15);

    /// <summary>Proves the figures work (tests); the numbers mean nothing.</summary>
    public static readonly BenchmarkSettings Tiny = new(RawCommits: 200, Workflows: 20, LatencySteps: 10, ReplayEvents: 60, SleepingWorkflows: 30, ReplayRuns: 2,
        Signals: 200, SignalWorkflows: 4, Timers: 20, InFlight: 20, EndToEndRate: 5, EndToEndSeconds: 2);

    /// <summary>Every count divided by ten (the "1x" of the cost-of-growth table, against which these settings are "10x").</summary>
    public BenchmarkSettings Tenth() => new(
        RawCommits / 10, Math.Max(20, Workflows / 10), Math.Max(10, LatencySteps / 10), Math.Max(60, ReplayEvents / 10),
        Math.Max(30, SleepingWorkflows / 10), ReplayRuns, Math.Max(200, Signals / 10), Math.Max(1, SignalWorkflows / 10),
        Math.Max(20, Timers / 10), Math.Max(20, InFlight / 10), Math.Max(2, EndToEndRate / 10), EndToEndSeconds);
}
