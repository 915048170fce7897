import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { StatusProgress } from './StatusProgress';

afterEach(cleanup);

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();

describe('StatusProgress', () => {
  it('render_InPreparation_MarksEarlierStepsDoneAndThisOneCurrent', () => {
    render(<StatusProgress state="IN_PREPARATION" history={[
      { state: 'CREATED', at: at(0) }, { state: 'SCHEDULED', at: at(1) }, { state: 'IN_PREPARATION', at: at(2) }]} />);
    const steps = screen.getAllByRole('listitem');
    expect(steps).toHaveLength(7);
    expect(steps.map(s => s.className.split(' ')[1])).toEqual(['done', 'done', 'current', 'todo', 'todo', 'todo', 'todo']);
    expect(steps[2]!.getAttribute('aria-current')).toBe('step');
    expect(steps[0]!.querySelector('time')!.getAttribute('dateTime')).toBe(at(0));
    expect(steps[3]!.querySelector('time')).toBeNull();
  });

  it('render_Cancelled_EndsTheFlowWhereItStopped', () => {
    render(<StatusProgress state="CANCELLED" history={[
      { state: 'CREATED', at: at(0) }, { state: 'SCHEDULED', at: at(1) }, { state: 'CANCELLED', at: at(5) }]} />);
    const steps = screen.getAllByRole('listitem');
    expect(steps.map(s => s.dataset.state)).toEqual(['CREATED', 'SCHEDULED', 'CANCELLED']);
    expect(steps[2]!.className).toContain('failed');
    expect(screen.getByText('Cancelled')).toBeTruthy();
  });

  it('render_Delivered_MarksEveryStepDone', () => {
    const states = ['CREATED', 'SCHEDULED', 'IN_PREPARATION', 'SCHEDULING_DELIVERY', 'WAITING_FOR_DRIVER', 'IN_DELIVERY', 'DELIVERED'] as const;
    render(<StatusProgress state="DELIVERED" history={states.map((s, i) => ({ state: s, at: at(i) }))} />);
    expect(screen.getAllByRole('listitem').every(s => s.className.includes('done'))).toBe(true);
  });
});
