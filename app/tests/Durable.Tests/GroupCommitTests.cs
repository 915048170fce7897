using Durable.Storage;

namespace Durable.Tests;

/// <summary>
/// The SQLite store's single writer commits every write waiting at once in one transaction: a write that fails in such a
/// batch gets its own error, and the writes around it commit as if it had never been there.
/// </summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task StartWorkflowAsync_DuplicatesAmongConcurrentStarts_OnlyDuplicatesFailAndTheRestCommit()
    {
        using var folder = new TemporaryStoreFolder("group-commit-");
        var path = folder.StorePath;
        var now = DateTimeOffset.UtcNow;
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.InitializeAsync(CancellationToken.None);
            await store.StartWorkflowAsync(New("taken", "run-taken", now), CancellationToken.None);

            // Queued together, without awaiting one another: they share the writer's transactions. Every fifth is a duplicate.
            var starts = Enumerable.Range(0, 500)
                .Select(i => i % 5 == 0 ? store.StartWorkflowAsync(New("taken", $"run-dup-{i}", now), CancellationToken.None)
                    : store.StartWorkflowAsync(New($"wf-{i}", $"run-{i}", now), CancellationToken.None))
                .ToList();
            await Task.WhenAll(starts.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));

            var (batches, writes, _) = store.CommitStatistics;
            Assert.True(batches < writes, $"{writes} writes in {batches} transactions: the starts were not batched.");
            for (var i = 0; i < starts.Count; i++)
            {
                if (i % 5 == 0)
                {
                    var error = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => starts[i]);
                    Assert.Contains("taken", error.Message, StringComparison.Ordinal);
                }
                else
                {
                    Assert.True((await starts[i]).Started);
                }
            }
        }

        // What was acknowledged is what is on disk: every run but the duplicates, each once.
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.InitializeAsync(CancellationToken.None);
            var page = await store.ListAsync(new WorkflowQuery { PageSize = 1_000 }, CancellationToken.None);
            Assert.Equal(401, page.Items.Count);
            Assert.Equal(["run-taken"], page.Items.Where(w => w.WorkflowId == "taken").Select(w => w.RunId));
        }
    }

    private static NewWorkflow New(string workflowId, string runId, DateTimeOffset now) =>
        new(workflowId, runId, "Any", null, now, now, null, WorkflowIdReusePolicy.AllowDuplicate, WorkflowIdConflictPolicy.Fail);
}
