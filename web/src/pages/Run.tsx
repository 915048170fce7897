import { useState } from 'react';
import { api, jaegerTraceUrl, time, type ApiError } from '../api';
import { ErrorBox, Json, Loading } from '../components/Status';
import { toApiError, useAsync, useEventStream } from '../hooks';
import { Link } from '../router';

/** One run: its state, input and outcome, pending work, family, history, and the operator's actions. */
export function RunPage({ id }: { id: string }) {
  const run = useAsync(() => api.workflow(id), [id]);
  const history = useAsync(() => api.history(id), [id]);
  const info = useAsync(api.info, []);
  const [actionError, setActionError] = useState<ApiError>();
  const [actionDone, setActionDone] = useState<string>();
  const [signalName, setSignalName] = useState('');
  const [signalArg, setSignalArg] = useState('');
  const [reason, setReason] = useState('');
  // Refresh on every change of any run (the inspector's change feed), cheaply filtered to this one.
  const connected = useEventStream<{ workflowId: string }>('/api/workflows/changes', 'message', c => {
    if (c.workflowId === id) { run.reload(); history.reload(); }
  });

  const act = async (what: string, f: () => Promise<unknown>) => {
    setActionError(undefined);
    setActionDone(undefined);
    try {
      await f();
      setActionDone(what);
      run.reload();
      history.reload();
    } catch (e) {
      setActionError(toApiError(e));
    }
  };
  const sendSignal = () => {
    let argument: unknown = undefined;
    if (signalArg.trim()) {
      try { argument = JSON.parse(signalArg); } catch { setActionError(toApiError(new Error('The signal argument is not valid JSON.'))); return; }
    }
    void act(`Signal "${signalName}" sent.`, () => api.signal(id, signalName, argument));
  };

  const d = run.data;
  return (
    <div className="run">
      <p><Link to="/runs">← All runs</Link></p>
      <h1>Run <code>{id}</code></h1>
      {run.loading && !d && <Loading what="the run" />}
      <ErrorBox error={run.error} onRetry={run.reload} />
      {d && (
        <>
          {d.isStuck && (
            <div className="warning" role="alert">
              <strong>Stuck</strong> after {d.stuckAttempts} attempts{d.stuckRetryAt && `; next retry at ${time(d.stuckRetryAt)}`}.
              <pre className="json">{d.stuckError}</pre>
            </div>
          )}
          <dl className="facts">
            <dt>Type</dt><dd>{d.type}</dd>
            <dt>Status</dt><dd><span className={`wf wf-${d.status}`} data-testid="run-status">{d.status}</span>{d.cancelRequested && ' (cancellation requested)'}</dd>
            <dt>Run id</dt><dd><code>{d.runId}</code></dd>
            <dt>Created</dt><dd>{new Date(d.createdAt).toLocaleString()}</dd>
            <dt>Updated</dt><dd>{new Date(d.updatedAt).toLocaleString()}</dd>
            {d.closedAt && <><dt>Closed</dt><dd>{new Date(d.closedAt).toLocaleString()}</dd></>}
            <dt>History</dt><dd>{d.historyLength} events</dd>
            {d.traceId && <><dt>Trace</dt><dd><code>{d.traceId}</code>{' '}
              {jaegerTraceUrl(info.data?.telemetry.jaegerUiUrl, d.traceId) && (
                <a href={jaegerTraceUrl(info.data?.telemetry.jaegerUiUrl, d.traceId)} target="_blank" rel="noreferrer" data-testid="jaeger-link">open trace in Jaeger</a>
              )}</dd></>}
            {d.parentWorkflowId && <><dt>Parent</dt><dd><Link to={`/runs/${encodeURIComponent(d.parentWorkflowId)}`}>{d.parentWorkflowId}</Link></dd></>}
            <dt>Live</dt><dd>{connected ? 'yes' : 'no'}</dd>
          </dl>
          {d.children.length > 0 && (
            <section aria-labelledby="children-heading">
              <h2 id="children-heading">Children</h2>
              <ul>{d.children.map(c => <li key={c.runId}><Link to={`/runs/${encodeURIComponent(c.workflowId)}`}>{c.workflowId}</Link> {c.type} <span className={`wf wf-${c.status}`}>{c.status}</span></li>)}</ul>
            </section>
          )}
          <div className="two-col">
            <section aria-labelledby="input-heading"><h2 id="input-heading">Input</h2><Json value={d.input} /></section>
            <section aria-labelledby="custom-heading"><h2 id="custom-heading">Custom status</h2><Json value={d.customStatus} /></section>
            {(d.result !== undefined && d.result !== null) && <section aria-labelledby="result-heading"><h2 id="result-heading">Result</h2><Json value={d.result} /></section>}
            {d.error && <section aria-labelledby="error-heading"><h2 id="error-heading">Error</h2><div className="error"><strong>{d.error.type}</strong><p>{d.error.message}</p></div></section>}
          </div>
          <section aria-labelledby="pending-heading">
            <h2 id="pending-heading">Pending</h2>
            {d.pendingActivities.length + d.pendingTimers.length + d.bufferedSignals.length === 0 && <p className="muted">Nothing pending.</p>}
            <ul>
              {d.pendingActivities.map(a => (
                <li key={`a${a.sequence}`}>Activity <strong>{a.name}</strong> #{a.sequence}, attempt {a.attempt}, next at {time(a.nextAttemptAt)}
                  {a.lastError && <span className="error-text"> — last error: {a.lastError.message}</span>}</li>
              ))}
              {d.pendingTimers.map(t => <li key={`t${t.sequence}`}>Timer #{t.sequence} fires at {new Date(t.fireAt).toLocaleString()}</li>)}
              {d.bufferedSignals.map((s, i) => <li key={`s${i}`}>Buffered signal <strong>{s.name}</strong> <code>{JSON.stringify(s.argument ?? null)}</code></li>)}
            </ul>
          </section>
          {d.status === 'Running' && (
            <section aria-labelledby="actions-heading" className="actions">
              <h2 id="actions-heading">Actions</h2>
              <form onSubmit={e => { e.preventDefault(); sendSignal(); }} className="inline-form">
                <label>Signal name <input required value={signalName} onChange={e => setSignalName(e.target.value)} placeholder="prepared" /></label>
                <label>Argument (JSON) <input value={signalArg} onChange={e => setSignalArg(e.target.value)} placeholder="{}" /></label>
                <button type="submit">Send signal</button>
              </form>
              <div className="inline-form">
                <button type="button" onClick={() => act('Cancellation requested.', () => api.cancelRun(id))}>Request cancellation</button>
                <label>Reason <input value={reason} onChange={e => setReason(e.target.value)} placeholder="why" /></label>
                <button type="button" className="danger" onClick={() => {
                  if (window.confirm(`Terminate ${id}? Its code will not run again.`)) void act('Terminated.', () => api.terminateRun(id, reason || 'Terminated from the run inspector.'));
                }}>Terminate</button>
              </div>
            </section>
          )}
          {actionDone && <p role="status">{actionDone}</p>}
          <ErrorBox error={actionError} />
        </>
      )}
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {history.loading && !history.data && <Loading what="history" />}
        <ErrorBox error={history.error} onRetry={history.reload} />
        {history.data && (
          <ol className="timeline" data-testid="history">
            {history.data.map(e => (
              <li key={e.eventId} className={`event ev-${e.type}`}>
                <span className="muted">{e.eventId}</span>
                <time dateTime={e.timestamp}>{time(e.timestamp)}</time>
                <strong>{e.type}</strong>
                {e.sequence != null && <span className="muted">#{e.sequence}</span>}
                {e.name && <span>{e.name}</span>}
                {e.target && <span className="muted">→ {e.target}</span>}
                {e.error && <span className="error-text">{e.error.type}: {e.error.message}</span>}
                {e.payload !== undefined && e.payload !== null && (
                  <details><summary>payload</summary><pre className="json">{JSON.stringify(e.payload, null, 2)}</pre></details>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
