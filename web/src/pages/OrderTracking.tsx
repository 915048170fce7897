import { useCallback, useState } from 'react';
import { api, isCancellable, isTerminal, money, STATE_LABELS, time, type ApiError, type OrderView } from '../api';
import { Eta } from '../components/Eta';
import { GeoPlot, type PlotPoint } from '../components/GeoPlot';
import { StatusProgress } from '../components/StatusProgress';
import { ErrorBox, LiveBadge, Loading } from '../components/Status';
import { toApiError, useAsync, useEventStream } from '../hooks';
import { Link } from '../router';

export function OrderTrackingPage({ id }: { id: string }) {
  const initial = useAsync(() => api.order(id), [id]);
  const [live, setLive] = useState<OrderView>();
  const [cancelMessage, setCancelMessage] = useState<string>();
  const [cancelError, setCancelError] = useState<ApiError>();
  const onEvent = useCallback((o: OrderView) => setLive(o), []);
  const order = live ?? initial.data;
  // The server ends the stream once the order's workflow has closed; without this EventSource would reconnect forever.
  const ended = order !== undefined && order.workflowStatus !== 'Running';
  const connected = useEventStream<OrderView>(ended ? null : `/api/orders/${encodeURIComponent(id)}/events`, 'order', onEvent);
  const status = order?.status;

  const cancel = async () => {
    setCancelError(undefined);
    try {
      const r = await api.cancelOrder(id);
      setCancelMessage(r.message);
    } catch (e) {
      setCancelError(toApiError(e));
    }
  };

  const points: PlotPoint[] = [];
  if (status?.restaurantLocation) points.push({ id: 'r', at: status.restaurantLocation, kind: 'restaurant', label: 'restaurant' });
  if (status?.deliveryLocation) points.push({ id: 'c', at: status.deliveryLocation, kind: 'customer', label: 'you' });
  if (status?.driverLocation) points.push({ id: 'd', at: status.driverLocation, kind: 'driver', label: status.driverId ?? 'driver' });

  return (
    <div className="tracking">
      <h1>Order <code>{id}</code> {ended ? <span className="badge">final</span> : <LiveBadge connected={connected} />}</h1>
      {!order && initial.loading && <Loading what="the order" />}
      {!order && initial.error?.status === 404 && (
        <p role="status">Waiting for the order to reach the kitchen (it travels through Kafka first)…</p>
      )}
      {!order && initial.error && initial.error.status !== 404 && <ErrorBox error={initial.error} onRetry={initial.reload} />}
      {order && !status && <p role="status">The order was received and is on its way to the kitchen…</p>}
      {order && status && (
        <>
          <p className="state-line" role="status" aria-live="polite">
            Status: <strong data-testid="order-state" data-state={status.state} className={`state state-${status.state}`}>{STATE_LABELS[status.state]}</strong>
            {' '}· {money(status.totalCost)}
          </p>
          {(status.state === 'REJECTED' || status.state === 'CANCELLED') && (
            <div className="error" role="alert">
              <strong>{status.state === 'REJECTED' ? 'The order was rejected.' : 'The order was cancelled.'}</strong>
              {status.reason && <p>{status.reason}</p>}
              <p>{status.refunded ? 'The payment was refunded.' : status.state === 'REJECTED' ? 'Nothing was charged.' : 'Nothing to refund.'}</p>
            </div>
          )}
          {order.stuck && <div className="warning" role="alert">This order's workflow is stuck and being retried: {order.stuckError}</div>}
          <div className="tracking-grid">
            <section aria-labelledby="progress-heading">
              <h2 id="progress-heading">Progress</h2>
              <StatusProgress state={status.state} history={status.history} />
              {status.state === 'SCHEDULED' && status.scheduledFor && <p>Preparation starts at {new Date(status.scheduledFor).toLocaleTimeString()}.</p>}
              {isCancellable(status.state) && order.workflowStatus === 'Running' && (
                <button type="button" className="danger" onClick={cancel}>Cancel the order</button>
              )}
              {cancelMessage && !ended && <p role="status">{cancelMessage}</p>}
              <ErrorBox error={cancelError} />
            </section>
            <section aria-labelledby="delivery-heading">
              <h2 id="delivery-heading">Delivery</h2>
              <dl className="facts">
                <dt>Driver</dt><dd data-testid="order-driver">{status.driverId ?? <span className="muted">not assigned yet</span>}</dd>
                <dt>Arrives</dt><dd>{status.state === 'DELIVERED' ? `delivered at ${time(status.history.at(-1)?.at)}` : isTerminal(status.state) ? 'no delivery' : <Eta etaAt={status.etaAt} />}</dd>
              </dl>
              <GeoPlot title="Restaurant, delivery address and driver" points={points} />
            </section>
          </div>
          <p><Link to={`/runs/${encodeURIComponent(id)}`}>Inspect this order's workflow run</Link></p>
        </>
      )}
    </div>
  );
}
