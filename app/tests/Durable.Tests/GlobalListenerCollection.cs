namespace Durable.Tests;

/// <summary>
/// Tests that listen to the process-wide "Durable" ActivitySource or Meter run alone, after the parallel
/// tests, so other tests' spans and measurements cannot leak into their counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalListenerCollection
{
    public const string Name = "global listeners";
}
