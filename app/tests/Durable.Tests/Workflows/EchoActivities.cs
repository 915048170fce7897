namespace Durable.Tests.Workflows;

public sealed class EchoActivities
{
    public Task<string> EchoAsync(string text) => Task.FromResult(text);

    public Task<int> AddAsync(int left, int right) => Task.FromResult(left + right);
}
