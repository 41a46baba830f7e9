import { describe, expect, it } from 'vitest';
import { promqlNames } from './promql.ts';

describe('promqlNames (test helper)', () => {
  it('finds metrics and labels, skipping functions, strings, ranges and durations', () => {
    const r = promqlNames(
      'histogram_quantile(0.95, sum by (server, le) (rate(foo_bucket{server=~"$server", tool!="x y"}[$__rate_interval]))) ' +
        '/ on (server) group_left sum(rate(bar_total[1h] offset 5m)) > 3 * baz or qux unless quux',
    );
    expect(r.metrics.sort()).toEqual(['bar_total', 'baz', 'foo_bucket', 'quux', 'qux']);
    expect(r.labels.sort()).toEqual(['le', 'server', 'server', 'tool'].filter((v, i, a) => a.indexOf(v) === i).sort());
    expect(r.functions.sort()).toEqual(['histogram_quantile', 'rate', 'sum']);
    expect(r.groupingLabels.sort()).toEqual(['le', 'server']);
    expect(r.selectors).toEqual([{ metric: 'foo_bucket', labels: ['server', 'tool'] }]);
  });

  it('ties each matcher to its own selector', () => {
    const r = promqlNames('1 - sum by (job) (rate(h_bucket{le=~"5|5\\.0"}[5m])) / sum by (job) (rate(h_count{job="x"}[5m]))');
    expect(r.selectors).toEqual([
      { metric: 'h_bucket', labels: ['le'] },
      { metric: 'h_count', labels: ['job'] },
    ]);
    expect(r.groupingLabels).toEqual(['job']);
  });

  it('rejects unknown functions rather than mistaking them for metrics', () => {
    expect(() => promqlNames('notafunction(foo)')).toThrow(/unknown PromQL function notafunction/);
  });
});
