namespace Durable.Storage;

/// <summary>
/// New run ids: time-ordered (UUID version 7, 32 hex digits), so the rows of recent runs, which are
/// the ones still being written, share the right-hand pages of every index keyed by run id instead of
/// dirtying a random page each.
/// </summary>
public static class RunIds
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}
