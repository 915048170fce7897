import type { GeoPoint } from '../api';

export interface PlotPoint { id: string; at: GeoPoint; kind: 'restaurant' | 'customer' | 'driver' | 'waiting' | 'idle'; label: string }

const COLORS: Record<PlotPoint['kind'], string> = {
  restaurant: '#c2410c', customer: '#1d4ed8', driver: '#15803d', waiting: '#15803d', idle: '#6b7280',
};
const SYMBOLS: Record<PlotPoint['kind'], string> = { restaurant: '🍽', customer: '🏠', driver: '🚗', waiting: '🚗', idle: '🅿' };

/**
 * Points on a plain SVG (no map tiles: the machines have no internet). Longitude is scaled by cos(latitude)
 * so distances look right; the view fits the points, or the given bounds.
 */
export function GeoPlot({ points, center, radiusMeters, title, route }: {
  points: PlotPoint[]; center?: GeoPoint; radiusMeters?: number; title: string; route?: GeoPoint[];
}) {
  const size = 300;
  const pad = 40;
  const lat0 = center?.lat ?? (points[0]?.at.lat ?? 0);
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xy = (p: GeoPoint) => ({ x: p.lon * k, y: -p.lat });
  const all = [...points.map(p => xy(p.at)), ...(route ?? []).map(xy)];
  if (center && radiusMeters) {
    const d = radiusMeters / 111_320;
    const c = xy(center);
    all.push({ x: c.x - d, y: c.y - d }, { x: c.x + d, y: c.y + d });
  }
  const xs = all.map(p => p.x);
  const ys = all.map(p => p.y);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const span = Math.max(maxX - minX, maxY - minY, 1e-4);
  const project = (p: GeoPoint) => {
    const q = xy(p);
    return {
      x: pad + ((q.x - minX + (span - (maxX - minX)) / 2) / span) * (size - 2 * pad),
      y: pad + ((q.y - minY + (span - (maxY - minY)) / 2) / span) * (size - 2 * pad),
    };
  };
  return (
    <svg className="geoplot" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={title}>
      <title>{title}</title>
      <rect x="0" y="0" width={size} height={size} rx="8" className="geoplot-bg" />
      {center && radiusMeters && (() => {
        const c = project(center);
        const r = ((radiusMeters / 111_320) / span) * (size - 2 * pad);
        return <circle cx={c.x} cy={c.y} r={r} className="geoplot-region" />;
      })()}
      {route && route.length > 1 && (
        <polyline points={route.map(p => { const q = project(p); return `${q.x},${q.y}`; }).join(' ')} className="geoplot-route" />
      )}
      {points.map(p => {
        const q = project(p.at);
        return (
          <g key={p.id} transform={`translate(${q.x},${q.y})`} data-kind={p.kind}>
            <circle r="11" fill={COLORS[p.kind]} opacity="0.18" />
            <text textAnchor="middle" dominantBaseline="central" fontSize="14">{SYMBOLS[p.kind]}</text>
            <text y="20" textAnchor="middle" fontSize="9" className="geoplot-label">{p.label}</text>
          </g>
        );
      })}
      {points.length === 0 && <text x={size / 2} y={size / 2} textAnchor="middle" className="geoplot-label">nothing to show</text>}
    </svg>
  );
}
