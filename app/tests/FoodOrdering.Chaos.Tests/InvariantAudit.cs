using System.Net.Http.Json;
using System.Text.Json;
using Durable;
using FoodOrdering.Domain.Drivers;
using FoodOrdering.Domain.Orders;
using FoodOrdering.Domain.Payments;
using FoodOrdering.Host.Api;
using FoodOrdering.Host.Food;

namespace FoodOrdering.Chaos.Tests;

/// <summary>What the system holds after the chaos, read through a host's API, and the invariants over it.</summary>
public sealed record AuditResult(
    int Produced, int WithWorkflow, int Lost, int StartedTwice, int NotTerminal, IReadOnlyDictionary<string, int> ByState, int Stuck, int RunningDeliveries,
    LedgerTotals Ledger, int CancelledChargedWithoutRefund, int ChargesNotMatchingOrders, int Drivers, int DriverJobs, int DriversWithTwoJobs,
    int DeliveredByAnotherDriver, IReadOnlyDictionary<string, int> CancelReasons, IReadOnlyList<string> Examples)
{
    public bool Quiescent => Lost == 0 && NotTerminal == 0 && RunningDeliveries == 0;

    public bool Holds => Quiescent && StartedTwice == 0 && Stuck == 0 && Ledger.OrdersChargedTwice == 0 && Ledger.MismatchedRefunds == 0
        && CancelledChargedWithoutRefund == 0 && ChargesNotMatchingOrders == 0 && DriversWithTwoJobs == 0 && DeliveredByAnotherDriver == 0;

    public string Summary() =>
        $"orders produced {Produced}, with a workflow {WithWorkflow}, lost {Lost}, started twice {StartedTwice}, not terminal {NotTerminal} "
        + $"({string.Join(", ", ByState.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"))}; cancelled because: "
        + $"{string.Join("; ", CancelReasons.OrderByDescending(r => r.Value).Select(r => $"{r.Value}x {r.Key}"))}); stuck workflows {Stuck}, deliveries still running {RunningDeliveries}; "
        + $"charges approved {Ledger.Approved}, declined {Ledger.Declined}, refunds {Ledger.Refunds}, orders charged twice {Ledger.OrdersChargedTwice}, "
        + $"refunds not matching their charge {Ledger.MismatchedRefunds}, cancelled orders charged and not refunded {CancelledChargedWithoutRefund}, "
        + $"charges not matching the orders' outcomes {ChargesNotMatchingOrders}; drivers {Drivers}, jobs {DriverJobs}, drivers given two jobs at once {DriversWithTwoJobs}, "
        + $"orders delivered by a driver without that job {DeliveredByAnotherDriver}";
}

public static class InvariantAudit
{
    private const int PageSize = 1000;

    /// <summary>Only the orders' view: enough to tell whether the system is quiescent.</summary>
    public static async Task<AuditResult> OrdersAsync(HttpClient http, IReadOnlyCollection<string> produced, CancellationToken cancellationToken) =>
        await AuditAsync(http, produced, deep: false, cancellationToken);

    /// <summary>
    /// The drivers right now: twins by state, and how many of the twins waiting for work their region's matcher knows (a
    /// waiting twin its matcher does not know would never get a job again).
    /// </summary>
    public static async Task<string> DriversAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var twins = (await http.GetFromJsonAsync<List<DriverView>>("api/drivers", ChaosSystem.Json, cancellationToken))!
            .Where(d => d.DriverId.StartsWith(ChaosSystem.DriverPrefix, StringComparison.Ordinal)).ToList();
        var regions = (await http.GetFromJsonAsync<List<RegionView>>("api/regions", ChaosSystem.Json, cancellationToken))!;
        var byState = twins.GroupBy(d => d.State.State).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
        return $"drivers {string.Join(", ", byState)}; matchers (drivers waiting/deliveries pending) "
            + $"{string.Join(", ", regions.Select(r => $"{r.Id} {r.WaitingDrivers}/{r.PendingDeliveries}"))}; jobs done {twins.Sum(d => d.State.DeliveriesCompleted)}";
    }

    /// <summary>Everything: orders, the payment ledger, and every driver twin's history.</summary>
    public static async Task<AuditResult> FullAsync(HttpClient http, IReadOnlyCollection<string> produced, CancellationToken cancellationToken) =>
        await AuditAsync(http, produced, deep: true, cancellationToken);

    private static async Task<AuditResult> AuditAsync(HttpClient http, IReadOnlyCollection<string> produced, bool deep, CancellationToken cancellationToken)
    {
        var examples = new List<string>();
        var runs = await ListAsync(http, $"type={WorkflowNames.Of<OrderWorkflow>()}&idPrefix={ChaosOrders.Prefix}", cancellationToken);
        var byOrder = runs.GroupBy(r => r.WorkflowId).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.CreatedAt).ToList());
        var lost = produced.Where(id => !byOrder.ContainsKey(id)).ToList();
        examples.AddRange(lost.Take(3).Select(id => $"lost: {id}"));
        var startedTwice = byOrder.Where(o => o.Value.Count > 1).Select(o => o.Key).ToList();
        examples.AddRange(startedTwice.Take(3).Select(id => $"started twice: {id}"));
        var statuses = byOrder.ToDictionary(o => o.Key, o => Status(o.Value[0]));
        var notTerminal = byOrder.Where(o => o.Value[0].Status == WorkflowStatus.Running || statuses[o.Key] is not { } s || !s.State.IsTerminal()).Select(o => o.Key).ToList();
        examples.AddRange(notTerminal.Take(3).Select(id => $"not terminal: {id} ({byOrder[id][0].Status}, {statuses[id]?.State})"));
        var byState = byOrder.GroupBy(o => statuses[o.Key]?.State.ToString() ?? o.Value[0].Status.ToString()).ToDictionary(g => g.Key, g => g.Count());
        var deliveries = await ListAsync(http, $"type={WorkflowNames.Of<Domain.Delivery.DeliveryWorkflow>()}&status={WorkflowStatus.Running}", cancellationToken);
        var stuck = await ListAsync(http, "stuck=true", cancellationToken);
        examples.AddRange(stuck.Take(3).Select(r => $"stuck: {r.WorkflowId} ({r.Type})"));

        var ledger = new LedgerTotals(0, 0, 0, 0, 0);
        var cancelledUnrefunded = 0;
        var chargesMismatch = 0;
        var drivers = 0;
        var jobs = 0;
        var twoJobs = 0;
        var deliveredByAnother = 0;
        if (deep)
        {
            ledger = (await http.GetFromJsonAsync<LedgerTotals>("api/payments", ChaosSystem.Json, cancellationToken))!;
            // Every cancelled order that was charged has its refund; the others' charges follow from their outcome.
            var cancelledCharged = 0;
            foreach (var id in statuses.Where(s => s.Value?.State == OrderState.Cancelled).Select(s => s.Key))
            {
                var entries = (await http.GetFromJsonAsync<List<LedgerEntry>>($"api/payments/{Uri.EscapeDataString(id)}", ChaosSystem.Json, cancellationToken))!;
                var charged = entries.Count(e => e is { Kind: "charge", Status: "approved" });
                var refunded = entries.Count(e => e.Kind == "refund");
                cancelledCharged += charged;
                if (charged != refunded)
                {
                    cancelledUnrefunded++;
                    examples.Add($"cancelled {id}: {charged} charge(s), {refunded} refund(s)");
                }
            }
            var delivered = statuses.Count(s => s.Value?.State == OrderState.Delivered);
            if (ledger.Approved != delivered + cancelledCharged || ledger.Refunds != cancelledCharged)
            {
                chargesMismatch = (int)Math.Abs(ledger.Approved - delivered - cancelledCharged) + (int)Math.Abs(ledger.Refunds - cancelledCharged);
                examples.Add($"ledger: {ledger.Approved} approved, {ledger.Refunds} refunds for {delivered} delivered and {cancelledCharged} cancelled after the charge");
            }
            (drivers, jobs, twoJobs, var jobsByOrder) = await DriverJobsAsync(http, examples, cancellationToken);
            foreach (var (id, status) in statuses.Where(s => s.Value?.State == OrderState.Delivered))
            {
                if (!jobsByOrder.TryGetValue(id, out var holders) || !holders.Contains(status!.DriverId!))
                {
                    deliveredByAnother++;
                    examples.Add($"delivered {id} by {status!.DriverId}, whose twin never held its job");
                }
            }
        }
        var cancelReasons = statuses.Values.Where(s => s?.State == OrderState.Cancelled)
            .GroupBy(s => s!.Reason is { Length: > 60 } text ? text[..60] + "..." : s!.Reason ?? "(none)").ToDictionary(g => g.Key, g => g.Count());
        return new AuditResult(produced.Count, byOrder.Count, lost.Count, startedTwice.Count, notTerminal.Count, byState, stuck.Count, deliveries.Count,
            ledger, cancelledUnrefunded, chargesMismatch, drivers, jobs, twoJobs, deliveredByAnother, cancelReasons, examples.Take(12).ToList());
    }

    /// <summary>
    /// Walks every twin's history (all its runs): a job assigned while the twin still held one means the matchers gave that
    /// driver two jobs at once. Returns, per order, the drivers whose twins accepted its job.
    /// </summary>
    private static async Task<(int Drivers, int Jobs, int DriversWithTwoJobs, Dictionary<string, HashSet<string>> JobsByOrder)> DriverJobsAsync(
        HttpClient http, List<string> examples, CancellationToken cancellationToken)
    {
        var twins = await ListAsync(http, $"type={WorkflowNames.Of<DriverTwinWorkflow>()}&idPrefix={DriverSignals.WorkflowId(ChaosSystem.DriverPrefix)}", cancellationToken);
        var jobsByOrder = new Dictionary<string, HashSet<string>>();
        var jobs = 0;
        var withTwoJobs = 0;
        foreach (var twin in twins.GroupBy(r => r.WorkflowId))
        {
            string? current = null;
            var twoJobs = false;
            foreach (var run in twin.OrderBy(r => r.CreatedAt))
            {
                var history = (await http.GetFromJsonAsync<HistoryEventDto[]>($"api/workflows/{twin.Key}/history?runId={run.RunId}", ChaosSystem.Json, cancellationToken))!;
                // A run handles exactly EventsPerRun events; those recorded after them were buffered and are recorded again in the next run.
                foreach (var signal in history.Where(e => e.Type == HistoryEventType.SignalReceived && e.Name == DriverSignals.Event).Take(DriverDefaults.EventsPerRun))
                {
                    var payload = signal.Payload!.Value;
                    switch (payload.GetProperty("kind").GetString())
                    {
                        case "job-assigned":
                            var job = payload.GetProperty("job");
                            var deliveryId = job.GetProperty("deliveryId").GetString();
                            if (current is not null)
                            {
                                twoJobs = true;
                                examples.Add($"{twin.Key} was given {deliveryId} while on {current}");
                                break;
                            }
                            current = deliveryId;
                            jobs++;
                            var orderId = job.GetProperty("orderId").GetString()!;
                            (jobsByOrder.TryGetValue(orderId, out var holders) ? holders : jobsByOrder[orderId] = []).Add(twin.Key["driver-".Length..]);
                            break;
                        case "delivered" when payload.GetProperty("deliveryId").GetString() == current:
                        case "shift-ended":
                            current = null;
                            break;
                    }
                }
            }
            withTwoJobs += twoJobs ? 1 : 0;
        }
        return (twins.Select(t => t.WorkflowId).Distinct().Count(), jobs, withTwoJobs, jobsByOrder);
    }

    private static OrderStatus? Status(WorkflowSummaryDto run) =>
        run.CustomStatus is { ValueKind: JsonValueKind.Object } status ? status.Deserialize<OrderStatus>(ChaosSystem.Json) : null;

    private static async Task<List<WorkflowSummaryDto>> ListAsync(HttpClient http, string query, CancellationToken cancellationToken)
    {
        var items = new List<WorkflowSummaryDto>();
        string? token = null;
        do
        {
            var page = (await http.GetFromJsonAsync<WorkflowListDto>(
                $"api/workflows?{query}&pageSize={PageSize}{(token is null ? "" : "&pageToken=" + Uri.EscapeDataString(token))}", ChaosSystem.Json, cancellationToken))!;
            items.AddRange(page.Items);
            token = page.NextPageToken;
        }
        while (token is not null);
        return items;
    }
}
