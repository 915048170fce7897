import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { HistoryEvent, WorkflowDetails } from '../api';
import { Router } from '../router';
import { fakeApi } from '../testing';
import { RunPage } from './Run';

const details: WorkflowDetails = {
  workflowId: 'delivery-order-1', runId: 'r-1', type: 'DeliveryWorkflow', status: 'Running', customStatus: { state: 'WAITING_FOR_DRIVER' },
  input: { deliveryId: 'delivery-order-1' }, createdAt: '2026-11-21T10:00:00Z', updatedAt: '2026-11-21T10:01:00Z',
  parentWorkflowId: 'order-1', parentRunId: 'r-0', historyLength: 7, cancelRequested: false, isStuck: false, stuckAttempts: 0,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  pendingActivities: [{ sequence: 4, name: 'PaymentActivities.Refund', attempt: 3, nextAttemptAt: '2026-11-21T10:02:00Z', lastError: { message: 'provider down', type: 'HttpRequestException' } }],
  pendingTimers: [{ sequence: 5, fireAt: '2026-11-21T10:30:00Z' }],
  children: [{ workflowId: 'twin-note-1', runId: 'c-1', type: 'NoteWorkflow', status: 'Completed' }],
  bufferedSignals: [{ name: 'driver-event', argument: { kind: 'picked-up' } }],
};

const history: HistoryEvent[] = [
  { eventId: 1, type: 'WorkflowStarted', timestamp: '2026-11-21T10:00:00Z', payload: { deliveryId: 'delivery-order-1' } },
  { eventId: 2, type: 'ActivityScheduled', timestamp: '2026-11-21T10:00:01Z', sequence: 1, name: 'DriverActivities.Notify' },
  { eventId: 3, type: 'ActivityFailed', timestamp: '2026-11-21T10:00:02Z', sequence: 1, error: { type: 'TimeoutException', message: 'no answer' } },
  { eventId: 4, type: 'SignalReceived', timestamp: '2026-11-21T10:00:03Z', name: 'assigned', payload: { driverId: 'driver-07' } },
];

const routes = (extra: Record<string, unknown> = {}) => ({
  'GET /api/workflows/delivery-order-1': details,
  'GET /api/workflows/delivery-order-1/history': history,
  ...extra,
});

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe('RunPage', () => {
  it('render_RunningChild_ShowsItsFactsFamilyPendingWorkAndHistory', async () => {
    fakeApi(routes());
    render(<Router><RunPage id="delivery-order-1" /></Router>);

    expect((await screen.findByTestId('run-status')).textContent).toBe('Running');
    expect(screen.getByText('4bf92f3577b34da6a3ce929d0e0e4736')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'order-1' }).getAttribute('href')).toBe('/runs/order-1');
    expect(screen.getByRole('link', { name: 'twin-note-1' }).getAttribute('href')).toBe('/runs/twin-note-1');
    const pending = screen.getByRole('heading', { name: 'Pending' }).parentElement!;
    expect(pending.textContent).toContain('PaymentActivities.Refund #4, attempt 3');
    expect(pending.textContent).toContain('last error: provider down');
    expect(pending.textContent).toContain('Timer #5 fires at');
    expect(pending.textContent).toContain('Buffered signal driver-event {"kind":"picked-up"}');
    const events = within(await screen.findByTestId('history')).getAllByRole('listitem');
    expect(events.map(e => e.querySelector('strong')!.textContent)).toEqual(['WorkflowStarted', 'ActivityScheduled', 'ActivityFailed', 'SignalReceived']);
    expect(events[2]!.textContent).toContain('TimeoutException: no answer');
    expect(events[3]!.textContent).toContain('assigned');
  });

  it('sendSignal_NameAndJsonArgument_PostsThemAndSaysSo', async () => {
    const requests = fakeApi(routes({ 'POST /api/workflows/delivery-order-1/signals/prepared': null }));
    render(<Router><RunPage id="delivery-order-1" /></Router>);
    await screen.findByTestId('run-status');

    fireEvent.change(screen.getByLabelText('Signal name'), { target: { value: 'prepared' } });
    fireEvent.change(screen.getByLabelText('Argument (JSON)'), { target: { value: '{"by":"kitchen"}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send signal' }));

    expect((await screen.findByText('Signal "prepared" sent.')).getAttribute('role')).toBe('status');
    const post = requests.find(r => r.method === 'POST')!;
    expect(post.url.pathname).toBe('/api/workflows/delivery-order-1/signals/prepared');
    expect(post.body).toEqual({ by: 'kitchen' });
  });

  it('sendSignal_ArgumentNotJson_ShowsTheErrorAndSendsNothing', async () => {
    const requests = fakeApi(routes());
    render(<Router><RunPage id="delivery-order-1" /></Router>);
    await screen.findByTestId('run-status');

    fireEvent.change(screen.getByLabelText('Signal name'), { target: { value: 'prepared' } });
    fireEvent.change(screen.getByLabelText('Argument (JSON)'), { target: { value: '{by: kitchen' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send signal' }));

    expect((await screen.findByRole('alert')).textContent).toContain('The signal argument is not valid JSON.');
    expect(requests.filter(r => r.method === 'POST')).toEqual([]);
  });

  it('cancelAndTerminate_Confirmed_PostTheRequestsWithTheReason', async () => {
    const requests = fakeApi(routes({ 'POST /api/workflows/delivery-order-1/cancel': null, 'POST /api/workflows/delivery-order-1/terminate': null }));
    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);
    render(<Router><RunPage id="delivery-order-1" /></Router>);
    await screen.findByTestId('run-status');

    fireEvent.click(screen.getByRole('button', { name: 'Request cancellation' }));
    await screen.findByText('Cancellation requested.');
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'stuck customer' } });
    fireEvent.click(screen.getByRole('button', { name: 'Terminate' }));
    await screen.findByText('Terminated.');

    expect(confirm).toHaveBeenCalledOnce();
    const posts = requests.filter(r => r.method === 'POST');
    expect(posts.map(p => [p.url.pathname, p.body])).toEqual([
      ['/api/workflows/delivery-order-1/cancel', undefined], ['/api/workflows/delivery-order-1/terminate', { reason: 'stuck customer' }]]);
  });

  it('terminate_NotConfirmed_SendsNothing', async () => {
    const requests = fakeApi(routes());
    vi.stubGlobal('confirm', vi.fn(() => false));
    render(<Router><RunPage id="delivery-order-1" /></Router>);
    await screen.findByTestId('run-status');

    fireEvent.click(screen.getByRole('button', { name: 'Terminate' }));

    expect(requests.filter(r => r.method === 'POST')).toEqual([]);
  });

  it('render_StuckRun_ShowsTheErrorProminently', async () => {
    fakeApi(routes({ 'GET /api/workflows/delivery-order-1': { ...details, isStuck: true, stuckAttempts: 4, stuckError: 'NonDeterminismException: seq 3' } }));
    render(<Router><RunPage id="delivery-order-1" /></Router>);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Stuck after 4 attempts');
    expect(alert.textContent).toContain('NonDeterminismException: seq 3');
  });

  it('render_ClosedRun_OffersNoActions', async () => {
    fakeApi(routes({ 'GET /api/workflows/delivery-order-1': { ...details, status: 'Completed', result: { outcome: 'Delivered' }, closedAt: '2026-11-21T10:05:00Z' } }));
    render(<Router><RunPage id="delivery-order-1" /></Router>);

    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('Completed'));
    expect(screen.getByRole('heading', { name: 'Result' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Actions' })).toBeNull();
  });
});
