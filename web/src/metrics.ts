import type { MetricsSnapshot } from './api';

export interface EngineFigures {
  signalsPerSecond: number;
  cacheHitRatio: number | null;
  activeTasks: number;
  kafkaLag: [string, number][];
  /** Completed runs per workflow type: count and p95 duration in seconds. */
  workflowDurations: { type: string; count: number; p95Seconds: number | null }[];
}

/** The engine's figures from GET /api/metrics, as the analytics page shows them. */
export function engineFigures(m: MetricsSnapshot): EngineFigures {
  const durations = m.series
    .filter(s => s.name === 'durable.workflow.duration' && s.tags.status === 'Completed' && s.tags.type)
    .map(s => ({ type: s.tags.type ?? '', count: s.count ?? 0, p95Seconds: s.p95 == null ? null : s.p95 / 1000 }))
    .sort((a, b) => a.type.localeCompare(b.type));
  return {
    signalsPerSecond: m.signalsPerSecond,
    cacheHitRatio: m.cache.hitRatio ?? null,
    activeTasks: m.activeTasks,
    kafkaLag: Object.entries(m.kafkaLag).sort(([a], [b]) => a.localeCompare(b)),
    workflowDurations: durations,
  };
}
