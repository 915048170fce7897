import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { Eta, formatCountdown } from './Eta';

afterEach(() => { cleanup(); vi.useRealTimers(); });

describe('formatCountdown', () => {
  it('format_FutureTimes_ShowsMinutesAndSeconds', () => {
    expect(formatCountdown(95_000, 0)).toBe('1:35');
    expect(formatCountdown(500, 0)).toBe('0:01');
    expect(formatCountdown(2 * 3600_000 + 5 * 60_000, 0)).toBe('2h 05m');
  });

  it('format_PastTime_SaysArriving', () => {
    expect(formatCountdown(1000, 1000)).toBe('arriving');
    expect(formatCountdown(0, 5000)).toBe('arriving');
  });
});

describe('Eta', () => {
  it('render_NoEta_SaysNotKnown', () => {
    render(<Eta etaAt={null} />);
    expect(screen.getByText('ETA not known yet')).toBeTruthy();
  });

  it('render_AsTimePasses_CountsDownEverySecond', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
    render(<Eta etaAt="2026-01-01T12:01:05Z" />);
    expect(screen.getByTestId('eta').textContent).toBe('1:05');
    act(() => { vi.advanceTimersByTime(1000); });
    expect(screen.getByTestId('eta').textContent).toBe('1:04');
    act(() => { vi.advanceTimersByTime(64_000); });
    expect(screen.getByTestId('eta').textContent).toBe('arriving');
  });
});
