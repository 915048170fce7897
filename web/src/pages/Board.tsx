import { useLiveOrders, ticketNumber } from '../orders';
import { ErrorBox, LiveBadge, Loading } from '../components/Status';

/** The pick-up board: tickets being prepared and ready for a driver. */
export function BoardPage() {
  const { orders, error, loading, connected } = useLiveOrders();
  const preparing = orders.filter(o => o.status?.state === 'IN_PREPARATION' || o.status?.state === 'SCHEDULED');
  const ready = orders.filter(o => o.status?.state === 'SCHEDULING_DELIVERY' || o.status?.state === 'WAITING_FOR_DRIVER');
  const column = (title: string, list: typeof orders, cls: string) => (
    <section className={`board-col ${cls}`} aria-labelledby={`board-${cls}`}>
      <h2 id={`board-${cls}`}>{title} <span className="badge">{list.length}</span></h2>
      <ul className="tickets">
        {list.map(o => <li key={o.id} title={o.id} className="ticket-number">{ticketNumber(o.id)}</li>)}
      </ul>
    </section>
  );
  return (
    <div>
      <h1>Live board <LiveBadge connected={connected} /></h1>
      {loading && <Loading what="orders" />}
      <ErrorBox error={error} />
      <div className="board">
        {column('Preparing', preparing, 'preparing')}
        {column('Ready for pick-up', ready, 'ready')}
      </div>
    </div>
  );
}
