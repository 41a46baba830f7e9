/**
 * Scale-out on one box: three demo gateway replicas (separate processes, one `service.instance.id`
 * each), a real Prometheus scraping them through the stack's file-SD `gateway` job, the OTLP test
 * receiver (behind a byte-counting relay) for their traces and logs, and a load generator of real
 * MCP clients spreading a known mix of calls over the replicas (successes, guardrail blocks,
 * upstream errors, wrong keys), a different mix on each so that losing any replica changes every
 * sum and ratio.
 *
 * Timeline: warm-up (every series exists on every replica) → scrape → measured burst → scrape (T)
 * → checks over the window W between the two scrapes → one replica killed → restarted under the
 * same identity on new ports → more calls → reset checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { startOtlpReceiver, type DecodedSpan, type OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { readYaml } from './helpers.ts';
import { parseExposition } from './support/exposition.ts';
import { alertQueries, dashboardQueries, type NamedQuery } from './support/fleet-queries.ts';
import { addMixes, calls, callsByTool, openSession, runMix, UPSTREAM_SERVER, type Mix, type Session, type ToolResult } from './support/load.ts';
import { startOtlpByteCounter, type OtlpByteCounter } from './support/otlp-byte-counter.ts';
import { startFleet, type Fleet } from './support/fleet.ts';
import type { PrometheusServer } from './support/prometheus-server.ts';
import { checkFleetQuery, durationMs, exactQuery, withoutThresholds } from './support/promql-fleet.ts';
import type { Replica } from './support/replica.ts';
import { decide, type PolicyConfig } from './support/tail-sampling.ts';

const REPLICAS = ['gw-a', 'gw-b', 'gw-c'] as const;
type ReplicaId = (typeof REPLICAS)[number];
const KILLED: ReplicaId = 'gw-c';
/** One logical gateway: every replica has the same service.name. */
const SERVICE = 'secure-mcp-gateway';

/** One of everything on every replica, so that every series the burst touches exists before it. */
const WARM_UP: Mix = { success: 1, redacted: 1, blocked: 1, offTopic: 1, upstreamError: 1, listServers: 1, badKey: 1 };
const BURST: Record<ReplicaId, Mix> = {
  'gw-a': { success: 6, redacted: 2, blocked: 1, offTopic: 0, upstreamError: 1, listServers: 2, badKey: 0 },
  'gw-b': { success: 2, redacted: 0, blocked: 3, offTopic: 2, upstreamError: 1, listServers: 0, badKey: 2 },
  'gw-c': { success: 3, redacted: 1, blocked: 1, offTopic: 1, upstreamError: 4, listServers: 1, badKey: 1 },
};
/** Sent to the restarted replica: fewer calls than it had made before, so its counters visibly drop. */
const AFTER_RESTART: Mix = { success: 2, redacted: 0, blocked: 1, offTopic: 0, upstreamError: 1, listServers: 0, badKey: 0 };
/** Sessions left open besides the load generator's own (the session gauge differs per replica). */
const IDLE_SESSIONS: Record<ReplicaId, number> = { 'gw-a': 1, 'gw-b': 0, 'gw-c': 2 };

const prom = (key: string): string => {
  const def = METRIC_DEFINITIONS.find((d) => d.key === key);
  if (!def) throw new Error(`metrics catalog has no recorder "${key}"`);
  return def.prometheusName;
};
/**
 * Series names the gateway itself records: not the provider's rows (they count exports, which go on
 * changing), nor the runtime's event-loop gauges (reset at every collection, so no two reads agree).
 */
const GATEWAY_SERIES = new Set(
  METRIC_DEFINITIONS.filter((d) => d.recordedIn !== 'provider' && d.recordedIn !== 'runtime').flatMap((d) => (d.kind === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => d.prometheusName + s) : [d.prometheusName])),
);

function tally<T>(items: readonly T[], key: (item: T) => string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

// ---------------------------------------------------------------- setup

const tmp = mkdtempSync(path.join(tmpdir(), 'obs-scale-out-'));
let receiver: OtlpReceiver;
let relay: OtlpByteCounter;
let fleet: Fleet;
let prometheus: PrometheusServer;
let gatewayKey = '';
const replica = (id: ReplicaId): Replica => fleet.replicas.get(id)!;
const sessions: Session[] = [];
const loadSessions = new Map<ReplicaId, Session>();
/** What each replica reported for each call of the warm-up and the burst. */
const results = new Map<ReplicaId, ToolResult[]>();
/** Prometheus time (s) of the evaluation, and the measured window ending there (ms). */
let T = 0;
let W = 0;

async function totalsBy(selector: string, labels: string[], at = T): Promise<Record<string, number>> {
  const rows = await fleet.prometheus.query(`sum by (${labels.join(', ')}) (${selector})`, at);
  return Object.fromEntries(rows.map((s) => [labels.map((l) => s.metric[l] ?? '').join('/'), Number(s.value[1])]));
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  relay = await startOtlpByteCounter(receiver.httpUrl);
  fleet = await startFleet({ ids: REPLICAS, dir: tmp, otlpUrl: relay.url, serviceName: SERVICE });
  prometheus = fleet.prometheus;
  gatewayKey = fleet.gatewayKey;

  for (const id of REPLICAS) {
    const url = replica(id).mcpUrl;
    loadSessions.set(id, await openSession(url, gatewayKey));
    for (let i = 0; i < IDLE_SESSIONS[id]; i++) sessions.push(await openSession(url, gatewayKey, 'scale-out-idle'));
  }
  const run = (mixes: Record<ReplicaId, Mix>) =>
    Promise.all(
      REPLICAS.map(async (id) => {
        const out = await runMix(loadSessions.get(id)!, replica(id).mcpUrl, mixes[id]);
        results.set(id, [...(results.get(id) ?? []), ...out]);
      }),
    );
  await run({ 'gw-a': WARM_UP, 'gw-b': WARM_UP, 'gw-c': WARM_UP });
  await fleet.scrapedAfter(REPLICAS, Date.now());
  // From here each replica's latest sample holds the warm-up and nothing of the burst.
  const windowStart = Date.now();
  await run(BURST);
  await fleet.scrapedAfter(REPLICAS, Date.now());
  const end = Date.now();
  T = end / 1000;
  W = end - windowStart;
}, 120_000);

afterAll(async () => {
  await Promise.all([...sessions, ...loadSessions.values()].map((s) => s.close().catch(() => {})));
  await fleet?.stop();
  await relay?.close();
  await receiver?.close();
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

const did = (id: ReplicaId): Mix => addMixes(WARM_UP, BURST[id]);

// ---------------------------------------------------------------- the checks

describe('three gateway replicas behind one Prometheus', () => {
  it('scrapes every replica, each under its own instance label, which is the service.instance.id it reports', async () => {
    const up = await prometheus.query('up{job="gateway"}', T);
    expect(Object.fromEntries(up.map((s) => [s.metric.instance, Number(s.value[1])])), prometheus.log()).toEqual({ 'gw-a': 1, 'gw-b': 1, 'gw-c': 1 });
    // The exporter's target_info carries the resource: the id each process got from OTEL_RESOURCE_ATTRIBUTES.
    const info = await prometheus.query('target_info{job="gateway"}', T);
    expect(info.map((s) => `${s.metric.instance}=${s.metric.service_instance_id}/${s.metric.service_name}`).sort()).toEqual(REPLICAS.map((id) => `${id}=${id}/${SERVICE}`));
  });

  it('sums every call the load generator made, per replica and over the fleet', async () => {
    const expectCalls: Record<string, number> = {};
    const expectSuccess: Record<string, number> = {};
    for (const id of REPLICAS) {
      const mix = did(id);
      for (const [tool, n] of Object.entries(callsByTool(mix))) expectCalls[`${id}/${tool}`] = n;
      for (const [tool, n] of Object.entries(callsByTool({ ...mix, blocked: 0, offTopic: 0, upstreamError: 0 }))) expectSuccess[`${id}/${tool}`] = n;
      expect(results.get(id), id).toHaveLength(calls(mix));
    }
    expect(await totalsBy(`${prom('toolCalls')}{job="gateway",server="${UPSTREAM_SERVER}"}`, ['instance', 'tool'])).toEqual(expectCalls);
    expect(await totalsBy(`${prom('toolCallSuccess')}{job="gateway"}`, ['instance', 'tool'])).toEqual(expectSuccess);
    // Failures and blocks by the error_type each call came back with.
    const all = REPLICAS.flatMap((id) => results.get(id)!.map((r) => ({ id, ...r })));
    expect(await totalsBy(`${prom('toolCallFailure')}{job="gateway"}`, ['instance', 'error_type'])).toEqual(tally(all, (r) => (r.status === 'failure' ? `${r.id}/${r.error_type}` : undefined)));
    expect(await totalsBy(`${prom('toolCallBlocked')}{job="gateway"}`, ['instance', 'direction', 'violation_type'])).toEqual(
      tally(all, (r) => (r.status === 'blocked' ? `${r.id}/${r.error_type!.replace(/^(input|output)_/, '$1/')}` : undefined)),
    );
    const fleet = addMixes(...REPLICAS.map(did));
    expect(await totalsBy(`${prom('toolCalls')}{job="gateway"}`, [])).toEqual({ '': calls(fleet) });
    expect(await totalsBy(`${prom('toolCallBlocked')}{job="gateway"}`, [])).toEqual({ '': fleet.blocked + fleet.offTopic });
    expect(await totalsBy(`${prom('listServersCalls')}{job="gateway"}`, ['instance'])).toEqual(Object.fromEntries(REPLICAS.map((id) => [id, did(id).listServers])));
    expect(await totalsBy(`${prom('toolCallFailure')}{job="gateway"}`, [])).toEqual({ '': fleet.upstreamError });
    // Refused keys: every replica that saw one counted it, none that did not.
    const refused = await totalsBy(`${prom('authFailure')}{job="gateway"}`, ['instance']);
    expect(Object.keys(refused).sort()).toEqual(REPLICAS.filter((id) => did(id).badKey > 0));
    for (const id of REPLICAS) expect(refused[id], id).toBeGreaterThanOrEqual(did(id).badKey);
  });

  it('holds, for every enkrypt_* and mcp_* series, exactly what each replica serves, and their fleet sums', async () => {
    const key = (name: string, labels: Record<string, string>) =>
      `${name}${JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'job' && k !== 'instance' && k !== '__name__').sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    const fleetServed = new Map<string, number>();
    for (const id of REPLICAS) {
      const text = await (await fetch(`http://${replica(id).metricsAddress}/metrics`)).text();
      const served = new Map(parseExposition(text).filter((s) => GATEWAY_SERIES.has(s.name)).map((s) => [key(s.name, s.labels), s.value]));
      expect(served.size, `${id} serves the gateway's series`).toBeGreaterThan(20);
      const stored = await prometheus.query(`{job="gateway",instance="${id}",__name__=~"enkrypt_.+|mcp_.+"}`, T);
      const inPrometheus = new Map(stored.filter((s) => GATEWAY_SERIES.has(s.metric.__name__!)).map((s) => [key(s.metric.__name__!, s.metric), Number(s.value[1])]));
      expect(Object.fromEntries(inPrometheus), id).toEqual(Object.fromEntries(served));
      for (const [k, v] of served) fleetServed.set(k.replace(/\{.*$/, ''), (fleetServed.get(k.replace(/\{.*$/, '')) ?? 0) + v);
    }
    const names = [...new Set([...fleetServed.keys()].map((k) => k.replace(/\[.*$/, '')))];
    for (const name of names) {
      const wanted = [...fleetServed].filter(([k]) => k.replace(/\[.*$/, '') === name).reduce((a, [, v]) => a + v, 0);
      const [row] = await prometheus.query(`sum(${name}{job="gateway"})`, T);
      expect(Number(row!.value[1]), name).toBeCloseTo(wanted, 9);
    }
  });

  it("the dashboards' queries give, across replicas, exactly what one gateway serving all the calls would", async () => {
    // Panels as written run over 30 s (Grafana's $__rate_interval); their exact forms over W.
    const queries = dashboardQueries('30s');
    expect(queries.length).toBeGreaterThan(20);
    const report = await checkAll(queries);
    expect(report.problems).toEqual([]);
    // Empty answers (allowed only where a metric has no data: no forwarding errors, no timeouts here) prove nothing: most must have data.
    expect(report.empty.length, `queries without data: ${report.empty.join('; ')}`).toBeLessThan(queries.length / 3);
  });

  it("the alert rules' expressions (values and firing set) give, across replicas, what one gateway would, per replica where the alert says so", async () => {
    const rules = alertQueries();
    expect(rules.length).toBeGreaterThan(3);
    const values = rules.map((r) => ({ ...r, where: `${r.where} (without thresholds)`, expr: withoutThresholds(r.expr) }));
    const report = await checkAll(values);
    const firingSets = await checkAll(rules, { mayBeEmpty: true });
    expect([...report.problems, ...firingSets.problems]).toEqual([]);
    // The load makes the error-rate rule fire (a quarter of the calls fail): fleet and one-gateway views agree on it.
    const errorRate = rules.find((r) => /tool_call_failure/.test(r.expr) && /tool_calls_total/.test(r.expr));
    expect(errorRate, 'an alert on the tool-call failure ratio').toBeDefined();
    const firing = await prometheus.query(exactQuery(errorRate!.expr, W), T);
    expect(firing.map((s) => s.metric.server)).toEqual([UPSTREAM_SERVER]);
  });

  it('the check itself fails a query that keeps per-replica series, drops a replica or counts one twice', async () => {
    const queries = dashboardQueries('30s');
    const rate = queries.find((q) => /^sum by \(([^)]*)\) \(rate\(enkrypt_tool_calls_total\{/.test(q.expr));
    const quantile = queries.find((q) => /^histogram_quantile\(0\.95, sum by \(le\) \(rate\(enkrypt_tool_call_duration_seconds_bucket/.test(q.expr));
    expect(rate, 'the tool-call rate panel').toBeDefined();
    expect(quantile, 'the tool-call p95 panel').toBeDefined();
    const wrong: Record<string, string> = {
      'no sum: one series per replica': rate!.expr.replace(/^sum by \([^)]*\) \((.*)\)$/s, '$1'),
      'grouped by instance': rate!.expr.replace(/^sum by \(/, 'sum by (instance, '),
      'max instead of sum: drops the smaller replicas': rate!.expr.replace(/^sum by/, 'max by'),
      'one replica only': rate!.expr.replace('enkrypt_tool_calls_total{', 'enkrypt_tool_calls_total{instance="gw-a",'),
      'joined to up: counts every replica three times': `${rate!.expr} * on () group_left () count(up{job="gateway"})`,
      'quantile per replica': quantile!.expr.replace('sum by (le)', 'sum by (le, instance)'),
      'quantile of the busiest replica only': quantile!.expr.replace('sum by (le) (', 'max by (le) ('),
    };
    for (const [what, expr] of Object.entries(wrong)) {
      expect(expr, what).not.toBe(what.startsWith('quantile') ? quantile!.expr : rate!.expr);
      const { problems } = await checkFleetQuery(prometheus, expr, { windowMs: W, atSeconds: T, perReplica: false, replicas: REPLICAS });
      expect(problems.length, `${what}: ${expr}`).toBeGreaterThan(0);
    }
    // And passes the generated ones (the same check as above, on these two).
    for (const q of [rate!, quantile!]) expect((await checkFleetQuery(prometheus, q.expr, { windowMs: W, atSeconds: T, perReplica: false, replicas: REPLICAS })).problems).toEqual([]);
  });

  it('every replica exports its traces and logs over OTLP, under its own service.instance.id', async () => {
    const isCall = (s: DecodedSpan) => s.kind === 'SERVER' && s.attributes['mcp.method.name'] === 'tools/call' && s.attributes['gen_ai.tool.name'] === 'enkrypt_secure_call_tools';
    const expected = Object.fromEntries(REPLICAS.map((id) => [id, calls(did(id))]));
    const perReplica = () => tally(receiver.spans.filter(isCall), (s) => String(s.resource['service.instance.id']));
    await receiver.waitFor(() => REPLICAS.every((id) => (perReplica()[id] ?? 0) >= expected[id]!), 15_000).catch(() => {});
    expect(perReplica()).toEqual(expected);
    expect(new Set(receiver.spans.map((s) => s.resource['service.name']))).toEqual(new Set([SERVICE]));
    const logs = tally(receiver.logs, (l) => String(l.resource['service.instance.id']));
    for (const id of REPLICAS) expect(logs[id], `log records from ${id}`).toBeGreaterThan(0);
    // The numbers the README's collector sizing rests on.
    const traces = new Set(receiver.spans.filter(isCall).map((s) => s.traceId));
    const spansOfCalls = receiver.spans.filter((s) => traces.has(s.traceId)).length;
    const viaRelay = receiver.requests.filter((r) => r.transport === 'http' && r.signal === 'traces').reduce((a, r) => a + r.items, 0);
    const t = relay.bySignal.traces!;
    const l = relay.bySignal.logs!;
    expect(viaRelay).toBe(receiver.spans.length);
    process.stderr.write(
      `scale-out: ${traces.size} tool-call traces, ${(spansOfCalls / traces.size).toFixed(1)} spans per call; ` +
        `${(t.bytes / viaRelay).toFixed(0)} bytes per span on the wire (OTLP/HTTP protobuf, ${(t.gzipBytes / viaRelay).toFixed(0)} gzipped), ` +
        `${(receiver.logs.length / traces.size).toFixed(1)} log records per call, ${(l.bytes / receiver.logs.length).toFixed(0)} bytes each (${(l.gzipBytes / receiver.logs.length).toFixed(0)} gzipped)\n`,
    );
  });

  it("the gateway tier's tail-sampling policies keep every failed, blocked and slow call, and sample only the rest", async () => {
    const processor = (readYaml('otel-collector/tier/gateway.yaml').processors as Record<string, { policies: PolicyConfig[] }>).tail_sampling!;
    const slowMs = Number((processor.policies.find((p) => p.type === 'latency')?.latency as { threshold_ms?: number } | undefined)?.threshold_ms);
    expect(slowMs, 'a latency policy').toBeGreaterThan(0);
    // The first call on each replica starts its upstream server: on a loaded machine that can make it slow.
    const slow = (s: DecodedSpan) => Number((BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1_000_000n) >= slowMs;
    const byTrace = new Map<string, DecodedSpan[]>();
    for (const s of receiver.spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    const kinds = { failed: 0, blocked: 0, ok: 0 };
    const wronglyDecided: string[] = [];
    for (const [traceId, spans] of byTrace) {
      const root = spans.find((s) => s.kind === 'SERVER' && s.attributes['gen_ai.tool.name'] === 'enkrypt_secure_call_tools');
      if (!root) continue;
      const { keptBy, maybeBy } = decide(processor.policies, spans);
      const errorType = String(root.attributes['error.type'] ?? '');
      const kind = /^(input|output)_/.test(errorType) ? 'blocked' : errorType ? 'failed' : 'ok';
      kinds[kind] += 1;
      const right =
        kind === 'blocked' ? keptBy.includes('errors') && keptBy.includes('blocked-calls')
        : kind === 'failed' ? keptBy.includes('errors')
        : slow(root) ? keptBy.includes('slow-calls')
        : keptBy.length === 0 && maybeBy.length > 0;
      if (!right) wronglyDecided.push(`${traceId} (${kind}, error.type=${errorType}): kept by [${keptBy}], maybe by [${maybeBy}]`);
    }
    expect(wronglyDecided).toEqual([]);
    const fleet = addMixes(...REPLICAS.map(did));
    expect(kinds).toEqual({ failed: fleet.upstreamError, blocked: fleet.blocked + fleet.offTopic, ok: fleet.success + fleet.redacted });
  });

  it("a killed replica shows as down, and rate()/increase() count across its restart as the rules expect", async () => {
    const callsMetric = prom('toolCalls');
    const victim = replica(KILLED);
    await loadSessions.get(KILLED)!.close().catch(() => {});
    loadSessions.delete(KILLED);
    await victim.kill();
    const killedAt = Date.now();
    await fleet.scrapedAfter([KILLED], killedAt, 0);
    const targets = (await (await fetch(`${prometheus.url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: { labels: Record<string, string>; health: string }[] } };
    expect(targets.data.activeTargets.filter((t) => t.labels.job === 'gateway').map((t) => `${t.labels.instance}:${t.health}`).sort()).toEqual(['gw-a:up', 'gw-b:up', 'gw-c:down']);
    // Its series went stale with the failed scrape: instant sums no longer include it.
    expect(await prometheus.query(`${callsMetric}{job="gateway",instance="${KILLED}"}`)).toEqual([]);

    // Back under the same identity, on new ports; the file-SD entry is updated in place.
    const restarted = await fleet.restart(KILLED);
    await fleet.scrapedAfter([KILLED], Date.now());
    const session = await openSession(restarted.mcpUrl, gatewayKey);
    const after = await runMix(session, restarted.mcpUrl, AFTER_RESTART);
    await session.close();
    expect(after).toHaveLength(calls(AFTER_RESTART));
    await fleet.scrapedAfter(REPLICAS, Date.now());
    const T2 = Date.now() / 1000;

    const answer = `${callsMetric}{job="gateway",instance="${KILLED}",tool="answer"}`;
    const answered = callsByTool(did(KILLED)).answer! + callsByTool(AFTER_RESTART).answer!;
    // Prometheus saw the counter go down once.
    const [resets] = await prometheus.query(`resets(${answer}[10m])`, T2);
    expect(Number(resets!.value[1])).toBe(1);
    // increase() over the replica's whole life, the window aligned on its first and last samples (so
    // nothing is extrapolated): everything it answered except what its first sample already held.
    const [raw] = await prometheus.raw(`${answer}[10m]`, T2);
    const [first, last] = [raw!.values[0]!, raw!.values.at(-1)!];
    const spanMs = Math.round((last[0] - first[0]) * 1000);
    const [increase] = await prometheus.query(`increase(${answer}[${spanMs}ms])`, last[0]);
    expect(Number(increase!.value[1])).toBeCloseTo(answered - Number(first[1]), 9);

    // The rules' own rate() sums over the fleet, across the kill and the restart: each counts every
    // call since its series appeared (rate() extrapolates to the window's edge: up to a few percent
    // more, never less). Ignoring the reset would come out short by the victim's count before the
    // kill; the rate of a fleet sum would see the drop as a reset and count the whole fleet again.
    const totalCalls = REPLICAS.reduce((a, id) => a + calls(did(id)), 0) + calls(AFTER_RESTART);
    const firstSamples = (await prometheus.raw(`${callsMetric}{job="gateway"}[10m]`, T2)).reduce((a, s) => a + Number(s.values[0]![1]), 0);
    const rulesRates = alertQueries().flatMap((r) => [...r.expr.matchAll(/sum by \(([^)]*)\) \(rate\(enkrypt_tool_calls_total\[(\w+)\]\)\)/g)].map((m) => ({ where: r.where, expr: m[0], window: m[2]! })));
    expect(rulesRates.length, 'alert rules that rate() enkrypt_tool_calls_total').toBeGreaterThan(0);
    const band = async (expr: string, window: string) => {
      const rows = await prometheus.query(`sum(${expr})`, T2);
      return (Number(rows[0]!.value[1]) * (durationMs(window) / 1000)) / (totalCalls - firstSamples);
    };
    for (const r of rulesRates) {
      const ratio = await band(r.expr, r.window);
      expect(ratio, `${r.where}: ${r.expr}`).toBeGreaterThanOrEqual(1 - 1e-9);
      expect(ratio, `${r.where}: ${r.expr}`).toBeLessThan(1.2);
    }
    // The same band rejects the rate of a fleet sum (a subquery over sum()) across this restart.
    const rateOfSum = await band(`rate(sum by (server) (${callsMetric}{job="gateway"})[5m:1s])`, '5m');
    expect(rateOfSum).toBeGreaterThan(1.2);
  }, 90_000);
});


async function checkAll(queries: NamedQuery[], options: { mayBeEmpty?: boolean } = {}): Promise<{ problems: string[]; empty: string[] }> {
  const problems: string[] = [];
  const empty: string[] = [];
  for (const q of queries) {
    const r = await checkFleetQuery(prometheus, q.expr, { windowMs: W, atSeconds: T, perReplica: q.perReplica, replicas: REPLICAS, ...options });
    problems.push(...r.problems.map((p) => `${q.where}: ${p}\n  ${q.expr}`));
    if (r.series === 0) empty.push(q.where);
  }
  return { problems, empty };
}
