import { api, money, STATE_LABELS } from '../api';
import { ErrorBox, LiveBadge, Loading, Empty } from '../components/Status';
import { useAsync, useInterval, useNow } from '../hooks';
import { engineFigures } from '../metrics';
import { computeAnalytics, ORDER_WINDOW, useLiveOrders } from '../orders';

const seconds = (s: number | null) => (s === null ? '—' : s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);

/** Which orders the figures cover: all of them, or only the latest window and what changed since. */
export function windowNote(count: number, windowFull: boolean) {
  return windowFull
    ? `Computed in your browser from the latest ${ORDER_WINDOW} orders when this page opened and every order that changed since (${count} orders); older orders are not counted.`
    : `Computed in your browser from all ${count} orders: those there were when this page opened and every order that changed since.`;
}

/** Figures computed in the browser from the recent orders and the live stream; drivers awaited from the matchers. */
export function AnalyticsPage() {
  const { orders, error, loading, connected, windowFull } = useLiveOrders();
  const now = useNow(5000);
  const restaurants = useAsync(api.restaurants, []);
  // The matchers' queues cover every delivery, not only the window: asked again every few seconds.
  const regions = useAsync(api.regions, []);
  useInterval(regions.reload, 5000);
  const waitingForDriver = regions.data?.reduce((n, r) => n + r.pendingDeliveries, 0);
  // The host's own metrics (GET /api/metrics), refreshed with the clock.
  const metrics = useAsync(api.metrics, [now]);
  const engine = metrics.data ? engineFigures(metrics.data) : undefined;
  const name = (id: string) => restaurants.data?.find(r => r.id === id)?.name ?? id;
  const a = computeAnalytics(orders, now);
  const maxState = Math.max(1, ...a.byState.map(([, n]) => n));
  const maxMinute = Math.max(1, ...a.perMinute.map(m => m.count));
  const maxRevenue = Math.max(1, ...a.revenue.map(([, n]) => n));
  return (
    <div>
      <h1>Analytics <LiveBadge connected={connected} /></h1>
      {loading && <Loading what="orders" />}
      <ErrorBox error={error} />
      {!loading && orders.length === 0 && <Empty>No orders yet.</Empty>}
      {!loading && orders.length > 0 && <p className="muted" data-testid="analytics-window">{windowNote(orders.length, windowFull)}</p>}
      <div className="stats">
        <div className="stat"><span className="muted">{windowFull ? 'Orders (latest)' : 'Orders'}</span><strong>{orders.length}</strong></div>
        <div className="stat"><span className="muted">Average order time</span><strong>{seconds(a.averageSeconds)}</strong></div>
        <div className="stat"><span className="muted">p95 order time</span><strong>{seconds(a.p95Seconds)}</strong></div>
        <div className="stat" title={regions.data?.map(r => `${r.name}: ${r.pendingDeliveries}`).join(', ')}>
          <span className="muted">Deliveries waiting for a driver</span><strong data-testid="waiting-for-driver">{waitingForDriver ?? '—'}</strong>
        </div>
      </div>
      <div className="two-col">
        <section aria-labelledby="dist-heading" className="card">
          <h2 id="dist-heading">Status distribution</h2>
          <ul className="bars">
            {a.byState.map(([state, n]) => (
              <li key={state}><span className="bar-label">{STATE_LABELS[state]}</span>
                <span className="bar"><span className={`bar-fill state-${state}`} style={{ width: `${(n / maxState) * 100}%` }} /></span><span>{n}</span></li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="rev-heading" className="card">
          <h2 id="rev-heading">Revenue per restaurant</h2>
          <ul className="bars">
            {a.revenue.map(([id, total]) => (
              <li key={id}><span className="bar-label">{name(id)}</span>
                <span className="bar"><span className="bar-fill" style={{ width: `${(total / maxRevenue) * 100}%` }} /></span><span>{money(total)}</span></li>
            ))}
          </ul>
        </section>
      </div>
      {engine && (
        <section aria-labelledby="engine-heading" className="card">
          <h2 id="engine-heading">Engine (last {metrics.data!.windowSeconds} s)</h2>
          <div className="stats">
            <div className="stat"><span className="muted">Signals per second</span><strong>{engine.signalsPerSecond.toFixed(2)}</strong></div>
            <div className="stat"><span className="muted">Cache hit ratio</span><strong>{engine.cacheHitRatio === null ? '—' : `${(engine.cacheHitRatio * 100).toFixed(1)} %`}</strong></div>
            <div className="stat"><span className="muted">Tasks running</span><strong>{engine.activeTasks}</strong></div>
            {engine.kafkaLag.map(([topic, lag]) => (
              <div className="stat" key={topic}><span className="muted">Kafka lag: {topic}</span><strong>{lag}</strong></div>
            ))}
          </div>
          <ul className="bars">
            {engine.workflowDurations.map(w => (
              <li key={w.type}><span className="bar-label">{w.type}</span><span>{w.count} completed, p95 {seconds(w.p95Seconds)}</span></li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="rate-heading" className="card">
        <h2 id="rate-heading">Orders per minute (last 30 minutes)</h2>
        <svg viewBox="0 0 300 100" preserveAspectRatio="none" className="chart" role="img" aria-label={`Orders per minute; latest minute ${a.perMinute.at(-1)?.count ?? 0}`}>
          {a.perMinute.map((m, i) => {
            const h = (m.count / maxMinute) * 90;
            return <rect key={m.minute} x={i * 10 + 1} y={95 - h} width="8" height={h} className="chart-bar"><title>{`${-m.minute} min ago: ${m.count}`}</title></rect>;
          })}
          <line x1="0" y1="95.5" x2="300" y2="95.5" className="chart-axis" />
        </svg>
      </section>
    </div>
  );
}
