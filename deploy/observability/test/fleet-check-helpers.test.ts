/**
 * The pure parts behind scale-out.test.ts: the PromQL rewriting of the fleet check, the model of
 * the tail-sampling evaluators, and the exposition parser. Their live use is in scale-out.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from '@secure-mcp-gateway/otlp-test-receiver';
import { parseExposition } from './support/exposition.ts';
import { durationMs, exactQuery, perReplicaParts, selectedMetrics, withoutThresholds } from './support/promql-fleet.ts';
import { decide, evaluatePolicy } from './support/tail-sampling.ts';

describe('PromQL rewriting for the fleet check', () => {
  it('replaces rate() and increase() by exact increases over the window, keeping offsets and the aggregation', () => {
    expect(exactQuery('sum by (server) (rate(a_total{x="1"}[5m]))', 2000)).toBe('sum by (server) (((a_total{x="1"} - a_total{x="1"} offset 2000ms) / 2))');
    expect(exactQuery('increase(a_total[1h] offset 5m)', 1000)).toBe('(a_total offset 300000ms - a_total offset 301000ms)');
    expect(exactQuery('sum(g) / sum(g offset 1m)', 1000)).toBe('sum(g) / sum(g offset 60000ms)');
  });

  it('pools every selector into one gateway, dropping matchers on the replica label', () => {
    expect(exactQuery('sum(rate(a_total{instance="gw-a",x="1"}[5m])) * count(up)', 1000, { kind: 'pooled' })).toBe(
      'sum(((sum without (instance) (a_total{x="1"}) - sum without (instance) (a_total{x="1"} offset 1000ms)) / 1)) * count(sum without (instance) (up))',
    );
  });

  it('restricts every selector to one replica', () => {
    expect(exactQuery('sum by (instance) (g) + sum(h{})', 1000, { kind: 'replica', value: 'gw-b' })).toBe('sum by (instance) (g{instance="gw-b"}) + sum(h{instance="gw-b"})');
  });

  it('finds the parts a query computes per replica on purpose', () => {
    expect(perReplicaParts('max(sum by (instance) (g)) + sum(h)')).toEqual(['sum by (instance) (g)']);
    expect(perReplicaParts('sum by (server) (rate(a_total[5m]))')).toEqual([]);
    expect(perReplicaParts('sum without (instance) (g)')).toEqual([]);
  });

  it('refuses what it cannot make exact, instead of checking something else', () => {
    expect(() => exactQuery('sum(irate(a_total[5m]))', 1000)).toThrow(/irate\(\) over a range is not supported/);
    expect(() => exactQuery('max_over_time(sum(a)[5m:1m])', 1000)).toThrow(/subqueries are not supported/);
    expect(() => exactQuery('sum(rate(a_total[5m])', 1000)).toThrow(/syntax error/);
  });

  it('drops number thresholds but keeps comparisons between vectors', () => {
    expect(withoutThresholds('sum(a) / sum(b) > 0.05')).toBe('sum(a) / sum(b)');
    expect(withoutThresholds('r1h{slo="x"} > 14.4 * 0.01 and r5m > (2)')).toBe('r1h{slo="x"} and r5m');
    expect(withoutThresholds('(a > 3 * b or a unless b) and a > 0.05')).toBe('(a > 3 * b or a unless b) and a');
    expect(selectedMetrics('sum(rate(a_total[5m])) / sum(b offset 1m)')).toEqual(['a_total', 'b']);
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(() => durationMs('5 minutes')).toThrow();
  });
});

const span = (over: Partial<DecodedSpan>): DecodedSpan =>
  ({ traceId: 't', spanId: 's', name: 'x', kind: 'SERVER', attributes: {}, status: { code: 0 }, events: [], links: [], startTimeUnixNano: '0', endTimeUnixNano: '1000000', resource: {}, scope: { name: 's' }, ...over }) as DecodedSpan;

describe('the tail-sampling model', () => {
  it('string_attribute reads string values only, and regexes search (RE2 MatchString is unanchored)', () => {
    const policy = { name: 'p', type: 'string_attribute', string_attribute: { key: 'error.type', values: ['^(input|output)_'], enabled_regex_matching: true } };
    expect(evaluatePolicy(policy, [span({ attributes: { 'error.type': 'input_injection_attack' } })])).toBe('sampled');
    expect(evaluatePolicy(policy, [span({ attributes: { 'error.type': 'guardrail_input_timeout' } })])).toBe('not-sampled');
    expect(evaluatePolicy(policy, [span({ attributes: { 'error.type': ['input_x'] } })])).toBe('not-sampled');
    const unanchored = { ...policy, string_attribute: { key: 'k', values: ['put_'], enabled_regex_matching: true } };
    expect(evaluatePolicy(unanchored, [span({ resource: { k: 'input_x' } })])).toBe('sampled');
  });

  it('latency spans the whole trace; with an upper bound the lower one is exclusive', () => {
    const trace = [span({ startTimeUnixNano: '0', endTimeUnixNano: '1000000000' }), span({ startTimeUnixNano: '4000000000', endTimeUnixNano: '5000000000' })];
    expect(evaluatePolicy({ name: 'l', type: 'latency', latency: { threshold_ms: 5000 } }, trace)).toBe('sampled');
    expect(evaluatePolicy({ name: 'l', type: 'latency', latency: { threshold_ms: 5000, upper_threshold_ms: 9000 } }, trace)).toBe('not-sampled');
  });

  it('status codes by name, probabilistic is a maybe, unknown policy types are errors', () => {
    const policies = [
      { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
      { name: 'rest', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
    ];
    expect(decide(policies, [span({ status: { code: 2 } })])).toEqual({ keptBy: ['errors'], maybeBy: ['rest'] });
    expect(decide(policies, [span({})])).toEqual({ keptBy: [], maybeBy: ['rest'] });
    expect(() => evaluatePolicy({ name: 'x', type: 'rare_spans' }, [span({})])).toThrow(/not modelled/);
  });
});

describe('the exposition parser', () => {
  it('reads names, escaped label values and special values, skipping comments', () => {
    const text = '# HELP a x\n# TYPE a counter\na_total{k="v \\"q\\" \\\\ z",le="+Inf"} 3\nb 1.5e3\nc{} +Inf\n';
    expect(parseExposition(text)).toEqual([
      { name: 'a_total', labels: { k: 'v "q" \\ z', le: '+Inf' }, value: 3 },
      { name: 'b', labels: {}, value: 1500 },
      { name: 'c', labels: {}, value: Infinity },
    ]);
  });
});
