import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import type { OrderView, Region } from '../api';
import { ORDER_WINDOW } from '../orders';
import { fakeApi } from '../testing';
import { AnalyticsPage } from './Analytics';

const order = (n: number): OrderView => ({
  id: `order-${n}`, workflowStatus: 'Running', stuck: false, createdAt: new Date().toISOString(),
  status: { orderId: `order-${n}`, state: 'WAITING_FOR_DRIVER', restaurantId: 'alpha', totalCost: 10, refunded: false, history: [] },
});

const region = (id: string, pendingDeliveries: number): Region => ({
  id, name: id, center: { lat: 0, lon: 0 }, radiusMeters: 1000, waitingDrivers: 0, pendingDeliveries,
});

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe('AnalyticsPage', () => {
  it('render_FewerOrdersThanTheWindow_SaysItCountsThemAllAndSumsTheMatchersQueues', async () => {
    const requests = fakeApi({
      'GET /api/orders': [order(1), order(2), order(3)], 'GET /api/restaurants': [], 'GET /api/regions': [region('berlin', 2), region('amsterdam', 1)],
    });
    render(<AnalyticsPage />);

    expect((await screen.findByTestId('analytics-window')).textContent).toBe(
      'Computed in your browser from all 3 orders: those there were when this page opened and every order that changed since.');
    await waitFor(() => expect(screen.getByTestId('waiting-for-driver').textContent).toBe('3'));
    expect(requests.find(r => r.url.pathname === '/api/orders')!.url.searchParams.get('pageSize')).toBe(String(ORDER_WINDOW));
  });

  it('render_WindowFull_SaysOlderOrdersAreNotCounted', async () => {
    fakeApi({ 'GET /api/orders': Array.from({ length: ORDER_WINDOW }, (_, i) => order(i)), 'GET /api/restaurants': [], 'GET /api/regions': [] });
    render(<AnalyticsPage />);

    const note = (await screen.findByTestId('analytics-window')).textContent;
    expect(note).toContain(`from the latest ${ORDER_WINDOW} orders`);
    expect(note).toContain('older orders are not counted');
    expect(screen.getByText('Orders (latest)')).toBeTruthy();
  });
});
