import { useCallback } from 'react';
import { api } from '../api';
import { GeoPlot, type PlotPoint } from '../components/GeoPlot';
import { Empty, ErrorBox, LiveBadge, Loading } from '../components/Status';
import { useAsync, useEventStream, useInterval } from '../hooks';

/** Drivers per region on an SVG plot; refreshed on every order change and every 3 seconds (positions move without one). */
export function DriversPage() {
  const regions = useAsync(api.regions, []);
  const drivers = useAsync(() => api.drivers(), []);
  const reloadDrivers = drivers.reload;
  const reloadRegions = regions.reload;
  const reload = useCallback(() => { reloadDrivers(); reloadRegions(); }, [reloadDrivers, reloadRegions]);
  const connected = useEventStream('/api/orders/events', 'order', useCallback(() => reload(), [reload]));
  useInterval(reload, 3000);
  return (
    <div>
      <h1>Drivers <LiveBadge connected={connected} /></h1>
      {(regions.loading || drivers.loading) && !(regions.data && drivers.data) && <Loading what="drivers" />}
      <ErrorBox error={regions.error ?? drivers.error} onRetry={reload} />
      {drivers.data && drivers.data.length === 0 && <Empty>No driver has started a shift. <code>infra/run.sh</code> starts simulated drivers.</Empty>}
      <div className="regions">
        {regions.data?.map(region => {
          const list = (drivers.data ?? []).filter(d => d.state.regionId === region.id);
          const points: PlotPoint[] = list.filter(d => d.state.location).map(d => ({
            id: d.driverId, at: d.state.location!, label: d.driverId,
            kind: d.state.state === 'DELIVERING' ? 'driver' : d.state.state === 'WAITING_FOR_WORK' ? 'waiting' : 'idle',
          }));
          return (
            <section key={region.id} aria-labelledby={`region-${region.id}`} className="card">
              <h2 id={`region-${region.id}`}>{region.name}</h2>
              <p className="muted">{list.length} drivers · {region.waitingDrivers} waiting for work · {region.pendingDeliveries} deliveries waiting</p>
              <GeoPlot title={`Drivers in ${region.name}`} points={points} center={region.center} radiusMeters={region.radiusMeters} />
              {list.length > 0 && (
                <ul className="driver-list">
                  {list.map(d => <li key={d.driverId}><strong>{d.driverId}</strong> {d.state.state.toLowerCase().replaceAll('_', ' ')} · {d.state.deliveriesCompleted} delivered</li>)}
                </ul>
              )}
            </section>
          );
        })}
      </div>
    </div>
  );
}
