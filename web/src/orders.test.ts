import { describe, expect, it } from 'vitest';
import type { OrderState, OrderView } from './api';
import { computeAnalytics, ticketNumber } from './orders';

const order = (id: string, state: OrderState, createdAt: number, total: number, doneAfterS?: number): OrderView => ({
  id, workflowStatus: 'Running', stuck: false, createdAt: new Date(createdAt).toISOString(),
  status: {
    orderId: id, state, restaurantId: id.startsWith('a') ? 'alpha' : 'beta', totalCost: total, refunded: false,
    history: doneAfterS === undefined ? [{ state: 'CREATED', at: new Date(createdAt).toISOString() }]
      : [{ state: 'CREATED', at: new Date(createdAt).toISOString() }, { state, at: new Date(createdAt + doneAfterS * 1000).toISOString() }],
  },
});

describe('computeAnalytics', () => {
  it('compute_MixedOrders_CountsStatesRevenueAndTimes', () => {
    const now = 10 * 60_000;
    const a = computeAnalytics([
      order('a1', 'DELIVERED', now - 30_000, 10, 60), order('a2', 'DELIVERED', now - 90_000, 5, 120),
      order('b1', 'REJECTED', now - 30_000, 99), order('b2', 'IN_PREPARATION', now - 30_000, 7),
    ], now, 5);
    expect(a.byState).toEqual([['DELIVERED', 2], ['REJECTED', 1], ['IN_PREPARATION', 1]]);
    expect(a.revenue).toEqual([['alpha', 15], ['beta', 7]]);
    expect(a.averageSeconds).toBe(90);
    expect(a.p95Seconds).toBe(120);
    expect(a.perMinute.map(m => m.count)).toEqual([0, 0, 0, 1, 3]);
  });

  it('ticketNumber_SameId_IsStableThreeDigits', () => {
    expect(ticketNumber('order-1')).toMatch(/^\d{3}$/);
    expect(ticketNumber('order-1')).toBe(ticketNumber('order-1'));
  });
});
