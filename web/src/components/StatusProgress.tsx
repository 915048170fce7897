import { ORDER_FLOW, STATE_LABELS, time, type OrderState } from '../api';

export interface StatusProgressProps { state: OrderState; history: { state: OrderState; at: string }[] }

/** The order's steps, each done (with its time), current, or to come; REJECTED/CANCELLED end the flow where it stopped. */
export function StatusProgress({ state, history }: StatusProgressProps) {
  const reached = new Map(history.map(h => [h.state, h.at]));
  const ended = state === 'REJECTED' || state === 'CANCELLED';
  const currentIndex = ORDER_FLOW.indexOf(state);
  const steps: OrderState[] = ended ? [...ORDER_FLOW.filter(s => reached.has(s)), state] : ORDER_FLOW;
  return (
    <ol className="progress" aria-label="Order progress">
      {steps.map((s, i) => {
        const at = reached.get(s);
        const status = ended
          ? (s === state ? 'failed' : 'done')
          : s === state ? (s === 'DELIVERED' ? 'done' : 'current') : (currentIndex >= 0 && i < currentIndex) || at ? 'done' : 'todo';
        return (
          <li key={s} className={`step ${status}`} aria-current={s === state ? 'step' : undefined} data-state={s}>
            <span className="dot" aria-hidden="true">{status === 'done' ? '✓' : status === 'failed' ? '✕' : i + 1}</span>
            <span className="label">{STATE_LABELS[s]}</span>
            {at && <time dateTime={at} className="muted">{time(at)}</time>}
            <span className="visually-hidden">{status === 'done' ? ' (done)' : status === 'current' ? ' (current)' : status === 'failed' ? ' (ended)' : ''}</span>
          </li>
        );
      })}
    </ol>
  );
}
