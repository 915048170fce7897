import { useCallback, useState } from 'react';
import { api, time, type ApiError, type KitchenOrder } from '../api';
import { Empty, ErrorBox, LiveBadge, Loading } from '../components/Status';
import { toApiError, useAsync, useEventStream, useNow } from '../hooks';
import { Link } from '../router';

const COLUMNS: { state: KitchenOrder['state']; title: string }[] = [
  { state: 'Queued', title: 'Waiting' }, { state: 'Cooking', title: 'Cooking' }, { state: 'Ready', title: 'Ready' }, { state: 'Notified', title: 'Handed over' },
];

/** A restaurant's kitchen display: its queue, refreshed on every order change, with a "prepared" button. */
export function KitchenPage({ restaurantId }: { restaurantId: string }) {
  const restaurants = useAsync(api.restaurants, []);
  const queue = useAsync(() => api.queue(restaurantId), [restaurantId]);
  const [error, setError] = useState<ApiError>();
  const now = useNow(1000);
  const reload = queue.reload;
  const connected = useEventStream('/api/orders/events', 'order', useCallback(() => reload(), [reload]));
  const restaurant = restaurants.data?.find(r => r.id === restaurantId);
  const productName = (id: string) => restaurant?.menu.find(p => p.productId === id);

  const markPrepared = async (orderId: string) => {
    setError(undefined);
    try {
      await api.markPrepared(restaurantId, orderId);
      reload();
    } catch (e) {
      setError(toApiError(e));
    }
  };

  return (
    <div>
      <h1>Kitchen: {restaurant?.name ?? restaurantId} <LiveBadge connected={connected} /></h1>
      {restaurants.data && (
        <nav aria-label="Other kitchens" className="chips">
          {restaurants.data.map(r => <Link key={r.id} to={`/kitchen/${r.id}`} aria-current={r.id === restaurantId ? 'page' : undefined}>{r.name}</Link>)}
        </nav>
      )}
      {queue.loading && !queue.data && <Loading what="the queue" />}
      <ErrorBox error={queue.error} onRetry={reload} />
      <ErrorBox error={error} />
      {queue.data && queue.data.length === 0 && <Empty>No orders yet. Place one in the shop.</Empty>}
      {queue.data && queue.data.length > 0 && (
        <div className="kanban">
          {COLUMNS.map(c => {
            const orders = queue.data!.filter(o => o.state === c.state);
            return (
              <section key={c.state} aria-labelledby={`col-${c.state}`} className="kanban-col">
                <h2 id={`col-${c.state}`}>{c.title} <span className="badge">{orders.length}</span></h2>
                {orders.map(o => (
                  <article key={o.orderId} className="ticket" data-order={o.orderId} aria-label={`Order ${o.orderId}`}>
                    <header><Link to={`/orders/${encodeURIComponent(o.orderId)}`}><code>{o.orderId}</code></Link></header>
                    <ul>
                      {o.products.map(p => {
                        const product = productName(p.productId);
                        return <li key={p.productId}>{p.quantity} × {product?.icon} {product?.name ?? p.description ?? p.productId}</li>;
                      })}
                    </ul>
                    <p className="muted">
                      accepted {time(o.acceptedAt)}
                      {o.state === 'Cooking' && o.cookStartedAt && ` · cook ${(o.cook ?? 0) + 1} · ${Math.round((now - Date.parse(o.cookStartedAt)) / 1000)}s`}
                      {o.readyAt && o.state !== 'Cooking' && ` · ready ${time(o.readyAt)}`}
                    </p>
                    {o.lastCallbackError && <p className="error-text">callback: {o.lastCallbackError}</p>}
                    {(o.state === 'Queued' || o.state === 'Cooking') && (
                      <button type="button" className="primary" onClick={() => markPrepared(o.orderId)} aria-label={`Mark order ${o.orderId} prepared`}>Prepared</button>
                    )}
                  </article>
                ))}
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}

export function KitchenIndexPage() {
  const restaurants = useAsync(api.restaurants, []);
  return (
    <div>
      <h1>Kitchens</h1>
      {restaurants.loading && <Loading what="restaurants" />}
      <ErrorBox error={restaurants.error} onRetry={restaurants.reload} />
      <ul className="chips">{restaurants.data?.map(r => <li key={r.id}><Link to={`/kitchen/${r.id}`}>{r.name}</Link></li>)}</ul>
    </div>
  );
}
