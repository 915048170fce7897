namespace Durable.Tests.Workflows;

public sealed class GreetingActivities
{
    public Task<string> GreetAsync(string name) => Task.FromResult($"Hello, {name}");
}
