import { useNow } from '../hooks';

/** "m:ss" until `target`; "arriving" once it has passed. */
export function formatCountdown(targetMs: number, nowMs: number): string {
  const seconds = Math.ceil((targetMs - nowMs) / 1000);
  if (seconds <= 0) return 'arriving';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m >= 60 ? `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m` : `${m}:${String(s).padStart(2, '0')}`;
}

/** The driver's expected arrival, counting down every second. */
export function Eta({ etaAt, now }: { etaAt: string | null | undefined; now?: number }) {
  const ticking = useNow(1000);
  if (!etaAt) return <span className="muted">ETA not known yet</span>;
  const target = Date.parse(etaAt);
  const countdown = formatCountdown(target, now ?? ticking);
  return (
    <span className="eta" aria-live="off">
      <strong data-testid="eta">{countdown}</strong> <span className="muted">(at {new Date(target).toLocaleTimeString()})</span>
    </span>
  );
}
