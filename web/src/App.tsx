import { Link, match, useLocation } from './router';
import { ShopPage } from './pages/Shop';
import { OrderTrackingPage } from './pages/OrderTracking';
import { RunsPage } from './pages/Runs';
import { RunPage } from './pages/Run';
import { KitchenIndexPage, KitchenPage } from './pages/Kitchen';
import { BoardPage } from './pages/Board';
import { DriversPage } from './pages/Drivers';
import { AnalyticsPage } from './pages/Analytics';
import { useEffect, useRef } from 'react';

const NAV = [
  { to: '/', label: 'Shop' }, { to: '/kitchen', label: 'Kitchens' }, { to: '/board', label: 'Board' },
  { to: '/drivers', label: 'Drivers' }, { to: '/analytics', label: 'Analytics' }, { to: '/runs', label: 'Runs' },
];

function route(pathname: string): { page: React.ReactNode; title: string } {
  let p: Record<string, string> | null;
  if (pathname === '/') return { page: <ShopPage />, title: 'Shop' };
  if ((p = match('/orders/:id', pathname))) return { page: <OrderTrackingPage key={p.id} id={p.id!} />, title: `Order ${p.id}` };
  if (pathname === '/runs') return { page: <RunsPage />, title: 'Runs' };
  if ((p = match('/runs/:id', pathname))) return { page: <RunPage key={p.id} id={p.id!} />, title: `Run ${p.id}` };
  if (pathname === '/kitchen') return { page: <KitchenIndexPage />, title: 'Kitchens' };
  if ((p = match('/kitchen/:id', pathname))) return { page: <KitchenPage key={p.id} restaurantId={p.id!} />, title: `Kitchen ${p.id}` };
  if (pathname === '/board') return { page: <BoardPage />, title: 'Board' };
  if (pathname === '/drivers') return { page: <DriversPage />, title: 'Drivers' };
  if (pathname === '/analytics') return { page: <AnalyticsPage />, title: 'Analytics' };
  return { page: <div><h1>Not found</h1><p>No page at <code>{pathname}</code>. <Link to="/">Go to the shop</Link>.</p></div>, title: 'Not found' };
}

export function App() {
  const { pathname } = useLocation();
  const { page, title } = route(pathname);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${title} · FoodOrdering`;
    // Move focus to the new page so screen readers announce it (not on the first load).
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [title]);
  const section = '/' + (pathname.split('/')[1] ?? '');
  return (
    <>
      <a href="#main" className="skip-link">Skip to content</a>
      <header className="topbar">
        <Link to="/" className="brand">🍕 FoodOrdering</Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map(n => (
              <li key={n.to}><Link to={n.to} aria-current={(n.to === '/' ? pathname === '/' || section === '/orders' : section === n.to) ? 'page' : undefined}>{n.label}</Link></li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>{page}</main>
    </>
  );
}
