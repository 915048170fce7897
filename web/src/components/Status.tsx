import type { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return <p className="muted" role="status" aria-live="polite">Loading {what}…</p>;
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A ProblemDetails error: its title, its detail and, for validation problems, each field's messages. */
export function ErrorBox({ error, onRetry }: { error: ApiError | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <strong>{error.title}</strong>
      {error.status > 0 && <span className="muted"> (HTTP {error.status})</span>}
      {error.detail && error.detail !== error.title && <p>{error.detail}</p>}
      {error.errors && (
        <ul>
          {Object.entries(error.errors).flatMap(([field, messages]) => messages.map(m => <li key={field + m}><code>{field}</code>: {m}</li>))}
        </ul>
      )}
      {onRetry && <button type="button" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function LiveBadge({ connected }: { connected: boolean }) {
  return (
    <span className={connected ? 'badge live' : 'badge offline'} role="status" title={connected ? 'Receiving live updates' : 'Connecting to the live stream'}>
      {connected ? '● live' : '○ connecting…'}
    </span>
  );
}

export function Json({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <span className="muted">none</span>;
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}
