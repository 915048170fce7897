import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { WorkflowList, WorkflowSummary } from '../api';
import { Router } from '../router';
import { fakeApi } from '../testing';
import { fromLocalInput, PAGE_SIZE, RunsPage, toLocalInput } from './Runs';

const run = (workflowId: string, extra: Partial<WorkflowSummary> = {}): WorkflowSummary => ({
  workflowId, runId: `run-${workflowId}`, type: 'OrderWorkflow', status: 'Running', createdAt: '2026-11-21T10:00:00Z',
  customStatus: { state: 'IN_PREPARATION' }, isStuck: false, ...extra,
});

const page: WorkflowList = { items: [run('order-1'), run('order-2', { status: 'Completed', customStatus: { state: 'DELIVERED' } })], nextPageToken: 'page-2' };
const stuck: WorkflowList = { items: [run('order-9', { isStuck: true })], nextPageToken: null };

/** The list's own requests, not the stuck runs' count. */
const listRequests = (requests: ReturnType<typeof fakeApi>) => requests.filter(r => r.url.searchParams.get('pageSize') === String(PAGE_SIZE));

beforeEach(() => window.history.pushState(null, '', '/runs'));
afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe('RunsPage', () => {
  it('render_FiltersInTheUrl_AsksForThemAndListsTheRunsWithLinks', async () => {
    window.history.pushState(null, '', '/runs?type=OrderWorkflow&status=Running&idPrefix=order-&createdAfter=2026-11-21T09%3A00%3A00.000Z&pageToken=page-1');
    const requests = fakeApi({ 'GET /api/workflows': (url: URL) => (url.searchParams.get('stuck') === 'true' ? { items: [], nextPageToken: null } : page) });

    render(<Router><RunsPage /></Router>);

    const link = await screen.findByRole('link', { name: 'order-1' });
    expect(link.getAttribute('href')).toBe('/runs/order-1');
    const query = Object.fromEntries(listRequests(requests)[0]!.url.searchParams);
    expect(query).toEqual({
      type: 'OrderWorkflow', status: 'Running', idPrefix: 'order-', createdAfter: '2026-11-21T09:00:00.000Z', pageToken: 'page-1', pageSize: String(PAGE_SIZE),
    });
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map(r => within(r).getAllByRole('cell').slice(0, 4).map(c => c.textContent))).toEqual([
      ['order-1', 'OrderWorkflow', 'Running', 'IN_PREPARATION'], ['order-2', 'OrderWorkflow', 'Completed', 'DELIVERED']]);
    expect((screen.getByLabelText('Type') as HTMLInputElement).value).toBe('OrderWorkflow');
    expect((screen.getByLabelText('Created after') as HTMLInputElement).value).toBe(toLocalInput('2026-11-21T09:00:00.000Z'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('next_PageWithAToken_AsksForTheNextPage', async () => {
    const requests = fakeApi({ 'GET /api/workflows': (url: URL) => (url.searchParams.get('stuck') === 'true' ? { items: [], nextPageToken: null } : page) });
    render(<Router><RunsPage /></Router>);

    fireEvent.click(await screen.findByRole('button', { name: 'Next →' }));

    await waitFor(() => expect(listRequests(requests).at(-1)!.url.searchParams.get('pageToken')).toBe('page-2'));
    expect(window.location.search).toBe('?pageToken=page-2');
    expect(await screen.findByRole('button', { name: '← Previous' })).toBeTruthy();
  });

  it('apply_FiltersEntered_PutsThemInTheUrlFromTheFirstPage', async () => {
    const requests = fakeApi({ 'GET /api/workflows': { items: [], nextPageToken: null } });
    window.history.pushState(null, '', '/runs?pageToken=page-3');
    render(<Router><RunsPage /></Router>);
    await screen.findByText('No run matches these filters.');

    fireEvent.change(screen.getByLabelText('Id prefix'), { target: { value: 'delivery-' } });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'Failed' } });
    fireEvent.change(screen.getByLabelText('Created before'), { target: { value: '2026-11-21T12:30' } });
    fireEvent.click(screen.getByLabelText('Stuck only'));
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));

    const expected = { status: 'Failed', idPrefix: 'delivery-', createdBefore: fromLocalInput('2026-11-21T12:30'), stuck: 'true' };
    expect(Object.fromEntries(new URLSearchParams(window.location.search))).toEqual(expected);
    await waitFor(() => expect(Object.fromEntries(listRequests(requests).at(-1)!.url.searchParams)).toEqual({ ...expected, pageSize: String(PAGE_SIZE) }));
  });

  it('render_StuckRunsExist_ShowsThemProminentlyWithALinkToThem', async () => {
    fakeApi({ 'GET /api/workflows': (url: URL) => (url.searchParams.get('stuck') === 'true' ? stuck : page) });
    render(<Router><RunsPage /></Router>);

    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('1 stuck run');
    fireEvent.click(within(banner).getByRole('link', { name: 'Show the stuck runs' }));
    expect(window.location.search).toBe('?stuck=true');
    await waitFor(() => expect((screen.getByLabelText('Stuck only') as HTMLInputElement).checked).toBe(true));
  });

  it('render_ApiDown_ShowsTheErrorWithARetry', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new Error('connection refused'))));
    render(<Router><RunsPage /></Router>);

    const error = await screen.findByRole('alert');
    expect(error.textContent).toContain('The server cannot be reached');
    expect(within(error).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});

describe('toLocalInput', () => {
  it('roundTrip_IsoInstant_SameMinute', () => {
    expect(fromLocalInput(toLocalInput('2026-11-21T09:15:00.000Z'))).toBe('2026-11-21T09:15:00.000Z');
    expect(toLocalInput('')).toBe('');
    expect(fromLocalInput('')).toBe('');
  });
});
