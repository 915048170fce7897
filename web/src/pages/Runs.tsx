import { useEffect, useState, type FormEvent } from 'react';
import { api, time, type WorkflowStatus } from '../api';
import { Empty, ErrorBox, Loading } from '../components/Status';
import { useAsync } from '../hooks';
import { Link, useLocation, useRouter } from '../router';

const STATUSES: WorkflowStatus[] = ['Running', 'Completed', 'Failed', 'Cancelled', 'Terminated', 'ContinuedAsNew'];
const TYPES = ['OrderWorkflow', 'DeliveryWorkflow', 'DriverTwinWorkflow', 'RegionMatcherWorkflow'];

/** The domain state in a custom status (an order's or a driver's), when it has one. */
const stateOf = (custom: unknown) =>
  typeof custom === 'object' && custom !== null && typeof (custom as { state?: unknown }).state === 'string' ? (custom as { state: string }).state : '';

export const PAGE_SIZE = 25;
/** How many stuck runs the banner counts before it says "or more". */
export const STUCK_COUNT_LIMIT = 100;

const NO_FILTERS = { type: '', status: '', idPrefix: '', createdAfter: '', createdBefore: '', stuck: '', pageToken: '' };

/** A datetime-local input's value (local time, to the minute) for an ISO instant, and back. */
export const toLocalInput = (iso: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
export const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : '');

/** The run inspector's list: filters live in the URL so a filtered view can be shared and reloaded. */
export function RunsPage() {
  const { query } = useLocation();
  const { navigate } = useRouter();
  const filters = Object.fromEntries(Object.keys(NO_FILTERS).map(k => [k, query.get(k) ?? ''])) as typeof NO_FILTERS;
  const [draft, setDraft] = useState(filters);
  const key = JSON.stringify(filters);
  // A link or Back/Forward changed the URL: the form shows the filters in use.
  useEffect(() => setDraft(filters), [key]);
  const runs = useAsync(() => api.workflows({ ...filters, pageSize: String(PAGE_SIZE) }), [key]);
  // Stuck runs need an operator: counted on every visit, whatever the filters, and shown above the list.
  const stuck = useAsync(() => api.workflows({ stuck: 'true', pageSize: String(STUCK_COUNT_LIMIT) }), [key]);
  const stuckCount = stuck.data?.items.length ?? 0;

  const go = (next: typeof filters) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) params.set(k, v);
    navigate(`/runs${params.size ? `?${params.toString()}` : ''}`);
  };
  const submit = (e: FormEvent) => { e.preventDefault(); go({ ...draft, pageToken: '' }); };

  return (
    <div>
      <h1>Workflow runs</h1>
      <form className="filters" onSubmit={submit} aria-label="Filter runs">
        <label>Type
          <input list="run-types" value={draft.type} onChange={e => setDraft({ ...draft, type: e.target.value })} placeholder="any" />
          <datalist id="run-types">{TYPES.map(t => <option key={t} value={t} />)}</datalist>
        </label>
        <label>Status
          <select value={draft.status} onChange={e => setDraft({ ...draft, status: e.target.value })}>
            <option value="">any</option>
            {STATUSES.map(s => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>Id prefix
          <input value={draft.idPrefix} onChange={e => setDraft({ ...draft, idPrefix: e.target.value })} placeholder="order-" />
        </label>
        <label>Created after
          <input type="datetime-local" value={toLocalInput(draft.createdAfter)} onChange={e => setDraft({ ...draft, createdAfter: fromLocalInput(e.target.value) })} />
        </label>
        <label>Created before
          <input type="datetime-local" value={toLocalInput(draft.createdBefore)} onChange={e => setDraft({ ...draft, createdBefore: fromLocalInput(e.target.value) })} />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={draft.stuck === 'true'} onChange={e => setDraft({ ...draft, stuck: e.target.checked ? 'true' : '' })} />
          Stuck only
        </label>
        <button type="submit">Apply</button>
        <button type="button" className="link" onClick={() => { setDraft(NO_FILTERS); go(NO_FILTERS); }}>Clear</button>
        <button type="button" onClick={runs.reload}>Refresh</button>
      </form>
      {stuckCount > 0 && filters.stuck !== 'true' && (
        <div className="warning" role="alert">
          <strong>{stuckCount}{stuck.data?.nextPageToken ? ' or more' : ''} stuck {stuckCount === 1 ? 'run' : 'runs'}</strong>: their code failed or
          broke determinism, and the engine retries them with backoff.{' '}
          <Link to="/runs?stuck=true">Show the stuck runs</Link>
        </div>
      )}
      {runs.loading && !runs.data && <Loading what="runs" />}
      <ErrorBox error={runs.error} onRetry={runs.reload} />
      {runs.data && runs.data.items.length === 0 && <Empty>No run matches these filters.</Empty>}
      {runs.data && runs.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Workflow runs, newest first</caption>
            <thead><tr><th scope="col">Workflow id</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Closed</th></tr></thead>
            <tbody>
              {runs.data.items.map(r => (
                <tr key={r.runId} className={r.isStuck ? 'stuck' : undefined}>
                  <td><Link to={`/runs/${encodeURIComponent(r.workflowId)}`}>{r.workflowId}</Link>{r.isStuck && <span className="badge danger-badge">stuck</span>}</td>
                  <td>{r.type}</td>
                  <td><span className={`wf wf-${r.status}`}>{r.status}</span></td>
                  <td>{stateOf(r.customStatus)}</td>
                  <td>{new Date(r.createdAt).toLocaleString()}</td>
                  <td>{time(r.closedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages">
        {filters.pageToken && <button type="button" onClick={() => window.history.back()}>← Previous</button>}
        {runs.data?.nextPageToken && <button type="button" onClick={() => go({ ...filters, pageToken: runs.data!.nextPageToken! })}>Next →</button>}
      </nav>
    </div>
  );
}
