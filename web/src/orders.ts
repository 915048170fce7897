// Order lists kept up to date from the all-orders stream, and the analytics computed from them.
import { useCallback, useEffect, useState } from 'react';
import { api, type ApiError, type OrderState, type OrderView } from './api';
import { toApiError, useEventStream } from './hooks';

/** How many of the most recent orders GET /api/orders gives the live pages to start from. */
export const ORDER_WINDOW = 500;

/**
 * The recent orders, first the latest ORDER_WINDOW from GET /api/orders and then every change from
 * /api/orders/events. `windowFull` tells that the list was cut at ORDER_WINDOW, so older orders are not among them.
 */
export function useLiveOrders() {
  const [orders, setOrders] = useState<Map<string, OrderView>>(new Map());
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [windowFull, setWindowFull] = useState(false);
  useEffect(() => {
    let live = true;
    api.orders(ORDER_WINDOW).then(
      list => {
        if (!live) return;
        setWindowFull(list.length >= ORDER_WINDOW);
        // Stream events may already have arrived; they are newer than the list.
        setOrders(current => { const next = new Map(list.map(o => [o.id, o])); for (const [k, v] of current) next.set(k, v); return next; });
        setLoading(false);
      },
      (e: unknown) => { if (live) { setError(toApiError(e)); setLoading(false); } },
    );
    return () => { live = false; };
  }, []);
  const onEvent = useCallback((o: OrderView) => setOrders(current => {
    const previous = current.get(o.id);
    const next = new Map(current);
    // Stream events carry the change time as createdAt; keep the order's real creation time.
    next.set(o.id, previous ? { ...o, createdAt: previous.createdAt } : o);
    return next;
  }), []);
  const connected = useEventStream<OrderView>('/api/orders/events', 'order', onEvent);
  return { orders: [...orders.values()], error, loading, connected, windowFull };
}

/** Short ticket numbers for the live board, stable for an order id. */
export function ticketNumber(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return String(h % 1000).padStart(3, '0');
}

export interface Analytics {
  byState: [OrderState, number][];
  perMinute: { minute: number; count: number }[];
  averageSeconds: number | null;
  p95Seconds: number | null;
  revenue: [string, number][];
}

/** Status distribution, orders per minute (last `minutes`), delivery time average/p95, revenue per restaurant. */
export function computeAnalytics(orders: OrderView[], now: number, minutes = 30): Analytics {
  const byState = new Map<OrderState, number>();
  const revenue = new Map<string, number>();
  const durations: number[] = [];
  const buckets = new Array<number>(minutes).fill(0);
  for (const o of orders) {
    const created = Date.parse(o.createdAt);
    const ago = Math.floor((now - created) / 60_000);
    if (ago >= 0 && ago < minutes) buckets[minutes - 1 - ago]! += 1;
    const s = o.status;
    if (!s) continue;
    byState.set(s.state, (byState.get(s.state) ?? 0) + 1);
    if (s.state !== 'REJECTED' && !(s.state === 'CANCELLED' && s.refunded)) revenue.set(s.restaurantId, (revenue.get(s.restaurantId) ?? 0) + s.totalCost);
    if (s.state === 'DELIVERED' && s.history.length > 1) {
      durations.push((Date.parse(s.history[s.history.length - 1]!.at) - Date.parse(s.history[0]!.at)) / 1000);
    }
  }
  durations.sort((a, b) => a - b);
  return {
    byState: [...byState.entries()].sort((a, b) => b[1] - a[1]),
    perMinute: buckets.map((count, i) => ({ minute: i - minutes + 1, count })),
    averageSeconds: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
    p95Seconds: durations.length ? durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.95) - 1)]! : null,
    revenue: [...revenue.entries()].sort((a, b) => b[1] - a[1]),
  };
}
