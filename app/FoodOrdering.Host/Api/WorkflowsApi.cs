using System.Text.Json;
using Durable;
using Durable.Client;
using Durable.Hosting;
using Durable.Storage;
using FoodOrdering.Host.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FoodOrdering.Host.Api;

/// <summary>Query of GET /api/workflows; every filter is optional.</summary>
/// <param name="Status">Running, Completed, Failed, Canceled, Terminated or ContinuedAsNew (any case).</param>
/// <param name="Stuck">true: only runs parked by a bug or non-determinism; false: only the others.</param>
/// <param name="PageSize">1 to 1000; 50 when absent.</param>
/// <param name="PageToken">nextPageToken of the previous page.</param>
public sealed record WorkflowListParameters(
    string? Type, string? Status, string? IdPrefix, DateTimeOffset? CreatedAfter, DateTimeOffset? CreatedBefore, bool? Stuck, int? PageSize,
    string? PageToken);

/// <summary>Inspects and controls any workflow: the run inspector's API.</summary>
public static class WorkflowsApi
{
    public const int MaxPageSize = 1000;
    private const string DefaultTerminateReason = "Terminated through the API.";

    public static string Location(string workflowId) => $"/api/workflows/{Uri.EscapeDataString(workflowId)}";

    public static IEndpointRouteBuilder MapWorkflowsApi(this IEndpointRouteBuilder app)
    {
        var workflows = app.MapGroup("/api/workflows").WithTags("Workflows");
        workflows.MapGet("/", ListAsync).WithName("ListWorkflows").WithSummary("Lists workflow runs, newest first.");
        // Registered before "/{id}" only for readability: a literal segment wins over a parameter anyway.
        workflows.MapGet("/changes", WatchChangesAsync).LimitStreamsPerClient().WithName("WatchWorkflowChanges")
            .WithSummary("Server-Sent Events: one JSON change per start, status change, stuck report and close.");
        workflows.MapGet("/{id}", DescribeAsync).WithName("DescribeWorkflow").WithSummary("Status, custom status, pending work and errors of a run.");
        workflows.MapGet("/{id}/history", GetHistoryAsync).WithName("GetWorkflowHistory").WithSummary("The recorded history of a run.");
        // Writes are the operator's: they can end or steer any order, delivery or driver.
        workflows.MapPost("/{id}/signals/{name}", SignalAsync).RequireOperator().WithName("SignalWorkflow")
            .WithSummary("Sends a signal; the JSON body (optional) is the signal's argument.");
        workflows.MapPost("/{id}/cancel", CancelAsync).RequireOperator().WithName("CancelWorkflow")
            .WithSummary("Requests cancellation: the workflow's cancellation token fires and its code decides how to end.");
        workflows.MapPost("/{id}/terminate", TerminateAsync).RequireOperator().WithName("TerminateWorkflow")
            .WithSummary("Ends the run at once without running any more of its code.");
        return app;
    }

    internal static async Task<Results<Ok<WorkflowListDto>, ValidationProblem>> ListAsync(
        [AsParameters] WorkflowListParameters query, DurableClient client, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        WorkflowStatus? status = null;
        if (query.Status is not null)
        {
            // Enum.TryParse would also take "2" or "Running,Failed"; only the names are part of the API.
            var name = Enum.GetNames<WorkflowStatus>().FirstOrDefault(n => string.Equals(n, query.Status, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                errors["status"] = [$"status must be one of {string.Join(", ", Enum.GetNames<WorkflowStatus>())}; got '{query.Status}'."];
            }
            else
            {
                status = Enum.Parse<WorkflowStatus>(name);
            }
        }
        if (query.PageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {MaxPageSize}; got {query.PageSize}."];
        }
        if (query.CreatedAfter is { } after && query.CreatedBefore is { } before && after >= before)
        {
            errors["createdBefore"] = ["createdBefore must be later than createdAfter."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The workflow query is invalid.");
        }
        var page = await client.ListAsync(new WorkflowQuery
        {
            Type = query.Type,
            Status = status,
            IdPrefix = query.IdPrefix,
            CreatedAfter = query.CreatedAfter,
            CreatedBefore = query.CreatedBefore,
            Stuck = query.Stuck,
            PageSize = query.PageSize ?? 50,
            PageToken = query.PageToken,
        }, cancellationToken);
        return TypedResults.Ok(new WorkflowListDto([.. page.Items.Select(WorkflowSummaryDto.From)], page.NextPageToken));
    }

    internal static async Task<Results<Ok<WorkflowDetailsDto>, ProblemHttpResult>> DescribeAsync(
        string id, string? runId, DurableClient client, CancellationToken cancellationToken)
    {
        var description = await client.DescribeAsync(id, runId, cancellationToken);
        return description is null ? NotFound(id, runId) : TypedResults.Ok(WorkflowDetailsDto.From(description));
    }

    internal static async Task<Results<Ok<HistoryEventDto[]>, ProblemHttpResult>> GetHistoryAsync(
        string id, string? runId, DurableClient client, CancellationToken cancellationToken)
    {
        IReadOnlyList<HistoryEvent> history;
        try
        {
            history = await client.GetHistoryAsync(id, runId, cancellationToken);
        }
        catch (WorkflowNotFoundException)
        {
            return NotFound(id, runId);
        }
        // An unknown run id reads as an empty history; every real run has at least its start event.
        return history.Count == 0 ? NotFound(id, runId) : TypedResults.Ok(history.Select(HistoryEventDto.From).ToArray());
    }

    internal static async Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> SignalAsync(
        string id, string name, [FromBody] JsonElement? argument, DurableClient client, CancellationToken cancellationToken)
    {
        // An empty body binds as an undefined element rather than null: the signal then carries no argument.
        var argumentJson = argument is { ValueKind: not JsonValueKind.Undefined } value ? value.GetRawText() : null;
        if (await client.DescribeAsync(id, cancellationToken: cancellationToken) is { } workflow
            && SignalContracts.Problem(workflow.Type, name, argumentJson) is { } problem)
        {
            SecurityMetrics.Reject(SecurityMetrics.InvalidInput);
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["argument"] = [problem] }, title: "The signal is invalid.");
        }
        try
        {
            await client.SignalJsonAsync(id, name, argumentJson, cancellationToken);
        }
        catch (WorkflowNotFoundException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Workflow not running",
                detail: $"No run of workflow '{id}' is running, so it cannot receive signal '{name}'.");
        }
        return TypedResults.Accepted(Location(id));
    }

    internal static async Task<Results<Accepted, ProblemHttpResult>> CancelAsync(string id, DurableClient client, CancellationToken cancellationToken) =>
        await client.CancelAsync(id, cancellationToken)
            ? TypedResults.Accepted(Location(id))
            : await NotRunningAsync(client, id, "cancelled", cancellationToken);

    internal static async Task<Results<NoContent, ProblemHttpResult>> TerminateAsync(
        string id, [FromBody] TerminateRequest? request, DurableClient client, CancellationToken cancellationToken)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? DefaultTerminateReason : request.Reason;
        return await client.TerminateAsync(id, reason, cancellationToken)
            ? TypedResults.NoContent()
            : await NotRunningAsync(client, id, "terminated", cancellationToken);
    }

    internal static async Task<Results<ChangeStreamResult, ValidationProblem>> WatchChangesAsync(
        long? after, [FromHeader(Name = "Last-Event-ID")] string? lastEventId, DurableEngine engine, DurableClient client,
        ILogger<ChangeStreamResult> logger, IHostApplicationLifetime lifetime, HttpContext httpContext, CancellationToken cancellationToken)
    {
        // A reconnecting EventSource sends the id of the last event it saw: resume right after it.
        if (after is null && lastEventId is not null)
        {
            if (!long.TryParse(lastEventId, out var last))
            {
                return TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { ["Last-Event-ID"] = [$"Last-Event-ID must be an event id sent by this stream; got '{lastEventId}'."] });
            }
            after = last;
        }
        if (after is < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = [$"after must be 0 or more; got {after}."] });
        }
        // Fix the start now rather than when the stream first reads: the client sees the response headers only after
        // this point, so anything it does once connected is in the stream. WatchAsync offers no such handshake itself.
        await engine.EnsureInitializedAsync();
        var position = after ?? await engine.Store.GetLastChangeSequenceAsync(cancellationToken);
        return new ChangeStreamResult(client, position, logger, lifetime.ApplicationStopping);
    }

    private static ProblemHttpResult NotFound(string id, string? runId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Workflow not found",
            detail: runId is null ? $"No workflow has id '{id}'." : $"Workflow '{id}' has no run '{runId}'.");

    private static async Task<ProblemHttpResult> NotRunningAsync(DurableClient client, string id, string action, CancellationToken cancellationToken)
    {
        var description = await client.DescribeAsync(id, cancellationToken: cancellationToken);
        return description is null
            ? NotFound(id, runId: null)
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Workflow not running",
                detail: $"Workflow '{id}' is {description.Status}, so it cannot be {action}.");
    }
}
