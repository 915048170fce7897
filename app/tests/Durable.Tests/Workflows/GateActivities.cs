namespace Durable.Tests.Workflows;

/// <summary>An activity the test holds open with <see cref="ActivityGate"/>.</summary>
public sealed class GateActivities(ActivityGate gate)
{
    public async Task<string> HoldAsync(string value, CancellationToken cancellationToken)
    {
        await gate.PassAsync(cancellationToken);
        return value;
    }
}
