import { describe, expect, it } from 'vitest';
import { jaegerTraceUrl, type MetricsSnapshot } from './api';
import { engineFigures } from './metrics';

const snapshot: MetricsSnapshot = {
  at: '2026-01-01T00:00:00Z', windowSeconds: 60, ordersByStatus: { DELIVERED: 2 }, signalsPerSecond: 1.5,
  cache: { hits: 9, misses: 1, hitRatio: 0.9 }, activeTasks: 3, kafkaLag: { orders: 0, 'driver-updates': 4 },
  series: [
    { name: 'durable.workflow.duration', kind: 'histogram', tags: { type: 'OrderWorkflow', status: 'Completed' }, value: 0, count: 2, p95: 12500 },
    { name: 'durable.workflow.duration', kind: 'histogram', tags: { type: 'OrderWorkflow', status: 'Failed' }, value: 0, count: 1, p95: 100 },
    { name: 'durable.workflow.duration', kind: 'histogram', tags: { type: 'DeliveryWorkflow', status: 'Completed' }, value: 0, count: 2, p95: null },
    { name: 'durable.cache.hits', kind: 'counter', tags: {}, value: 9, perSecond: 0.1 },
  ],
};

describe('engineFigures', () => {
  it('engineFigures_Snapshot_CompletedDurationsInSecondsAndLagByTopic', () => {
    const f = engineFigures(snapshot);
    expect(f.workflowDurations).toEqual([
      { type: 'DeliveryWorkflow', count: 2, p95Seconds: null },
      { type: 'OrderWorkflow', count: 2, p95Seconds: 12.5 },
    ]);
    expect(f.kafkaLag).toEqual([['driver-updates', 4], ['orders', 0]]);
    expect(f.cacheHitRatio).toBe(0.9);
    expect(f.signalsPerSecond).toBe(1.5);
  });
});

describe('jaegerTraceUrl', () => {
  it('jaegerTraceUrl_Configured_LinksTheTracePage', () => {
    expect(jaegerTraceUrl('http://localhost:16686/', 'abc123')).toBe('http://localhost:16686/trace/abc123');
  });
  it('jaegerTraceUrl_NotConfigured_Undefined', () => {
    expect(jaegerTraceUrl(null, 'abc123')).toBeUndefined();
    expect(jaegerTraceUrl('http://localhost:16686', null)).toBeUndefined();
  });
});
