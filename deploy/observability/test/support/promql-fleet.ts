/**
 * Is a dashboard or alert query right across replicas? The check, in PromQL against the real
 * Prometheus:
 *
 * - `exact(q)`: q with every `rate(m[r])` / `increase(m[r])` replaced by the exact increase of m
 *   over one measured window W ending at T (`m - m offset W`, divided by W for a rate). Prometheus'
 *   own rate() extrapolates each series to the window's edges by a factor that depends on that
 *   series' scrape phase, which differs per replica; the exact form leaves only the query's own
 *   aggregation and arithmetic. Valid while no counter resets inside W (checked by the caller).
 * - `pooled(exact(q))`: the same, with every series selector wrapped in `sum without (instance)`,
 *   i.e. the answer of one gateway that had served all the replicas' traffic.
 *
 * A query meant as a fleet aggregate must give exactly the pooled answer: same label sets, same
 * values. That fails for a query that keeps one series per replica (no `sum`), drops a replica
 * (`max`/`avg`/`topk`, an `instance` matcher), or counts a replica more than once (a join that fans
 * out over replicas). A query meant per replica (an alert whose text names `$labels.instance`, a
 * panel whose legend does) must give, for each replica, what the same query gives on that replica
 * alone. A query that groups `by (instance)` inside and then picks across replicas on purpose
 * (`max(sum by (instance) (...))`, the busiest replica) is checked part by part: each per-replica
 * part must be right for every replica; the pick is the query's stated choice.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import type { PrometheusServer, Sample } from './prometheus-server.ts';

/** The label that tells replicas apart (the file-SD `instance`, equal to `service.instance.id`). */
export const REPLICA_LABEL = 'instance';

type SelectorMode = { kind: 'fleet' } | { kind: 'pooled' } | { kind: 'replica'; value: string };

const COMPARISONS = new Set(['Gtr', 'Lss', 'Gte', 'Lte', 'Eql', 'Neq']);
const EXACT_FUNCTIONS = new Set(['rate', 'increase']);
/**
 * Gauge functions over a range need no exact form (no extrapolation): they run as written, on the
 * mode's selector. A gauge of one process (event-loop delay) has no fleet meaning, so only per replica.
 */
const GAUGE_RANGE_FUNCTIONS = new Set(['max_over_time', 'min_over_time', 'avg_over_time', 'last_over_time']);

function parse(expr: string) {
  const tree = parser.parse(expr);
  const errors: number[] = [];
  tree.iterate({ enter: (n) => void (n.type.isError && errors.push(n.from)) });
  if (errors.length > 0) throw new Error(`not PromQL this check understands (syntax error at ${errors[0]}): ${expr}`);
  return tree;
}

const text = (expr: string, node: SyntaxNode): string => expr.slice(node.from, node.to);

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** Milliseconds of a PromQL duration (`5m`, `1h30m`, `250ms`). */
export function durationMs(duration: string): number {
  const units: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3, y: 31536000e3 };
  let total = 0;
  const rest = duration.replace(/(\d+)(ms|s|m|h|d|w|y)/g, (_, n: string, u: string) => {
    total += Number(n) * units[u]!;
    return '';
  });
  if (rest !== '' || total === 0) throw new Error(`not a PromQL duration: ${duration}`);
  return total;
}

function applyEdits(expr: string, edits: { from: number; to: number; text: string }[]): string {
  let out = expr;
  for (const e of [...edits].sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

/** A selector (`m{...}`, possibly with `offset`) as the mode wants it. */
function selector(vector: string, offsetMs: number, mode: SelectorMode): string {
  let v = vector;
  if (mode.kind === 'replica') {
    const matcher = `${REPLICA_LABEL}=${JSON.stringify(mode.value)}`;
    v = v.includes('{') ? v.replace(/\{\s*/, (open) => `${open}${matcher}${/\{\s*\}/.test(v) ? '' : ', '}`) : `${v}{${matcher}}`;
  }
  // One gateway has no replica label: a matcher on it (a query pinned to one replica) matches everything.
  if (mode.kind === 'pooled') v = v.replace(new RegExp(`\\b${REPLICA_LABEL}\\s*(=~|!~|!=|=)\\s*"(?:[^"\\\\]|\\\\.)*"\\s*,?\\s*`, 'g'), '');
  const withOffset = offsetMs > 0 ? `${v} offset ${offsetMs}ms` : v;
  return mode.kind === 'pooled' ? `sum without (${REPLICA_LABEL}) (${withOffset})` : withOffset;
}

/** `exact(q)` of the header comment, with selectors as `mode` says. */
export function exactQuery(expr: string, windowMs: number, mode: SelectorMode = { kind: 'fleet' }): string {
  const tree = parse(expr);
  const edits: { from: number; to: number; text: string }[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.name === 'SubqueryExpr') throw new Error(`subqueries are not supported by this check: ${text(expr, node)}`);
    if (node.name === 'FunctionCall') {
      const name = text(expr, node.getChild('FunctionIdentifier')!);
      const body = node.getChild('FunctionCallBody')!;
      const arg = children(body).find((c) => c.name === 'MatrixSelector' || c.name === 'OffsetExpr');
      const matrix = arg?.name === 'MatrixSelector' ? arg : arg?.getChild('MatrixSelector');
      if (matrix && GAUGE_RANGE_FUNCTIONS.has(name) && arg === matrix) {
        if (mode.kind === 'pooled') throw new Error(`${name}() of a per-process gauge has no one-gateway form; check it per replica: ${text(expr, node)}`);
        const vectorNode = matrix.getChild('VectorSelector')!;
        edits.push({ from: vectorNode.from, to: vectorNode.to, text: selector(text(expr, vectorNode), 0, mode) });
        return;
      }
      if (matrix) {
        if (!EXACT_FUNCTIONS.has(name)) throw new Error(`${name}() over a range is not supported by this check (only ${[...EXACT_FUNCTIONS].join(', ')}): ${text(expr, node)}`);
        const vector = text(expr, matrix.getChild('VectorSelector')!);
        const offsetNode = arg!.name === 'OffsetExpr' ? arg!.getChild('OffsetDurationExpr') : null;
        const offset = offsetNode ? durationMs(text(expr, offsetNode)) : 0;
        const increase = `(${selector(vector, offset, mode)} - ${selector(vector, offset + windowMs, mode)})`;
        edits.push({ from: node.from, to: node.to, text: name === 'rate' ? `(${increase} / ${windowMs / 1000})` : increase });
        return;
      }
    }
    if (node.name === 'OffsetExpr' && node.firstChild?.name === 'VectorSelector') {
      edits.push({ from: node.from, to: node.to, text: selector(text(expr, node.firstChild), durationMs(text(expr, node.getChild('OffsetDurationExpr')!)), mode) });
      return;
    }
    if (node.name === 'VectorSelector') {
      edits.push({ from: node.from, to: node.to, text: selector(text(expr, node), 0, mode) });
      return;
    }
    for (const c of children(node)) visit(c);
  };
  visit(tree.topNode);
  return applyEdits(expr, edits);
}

/** The metric names a query selects. */
export function selectedMetrics(expr: string): string[] {
  const names = new Set<string>();
  parse(expr).iterate({
    enter: (n) => {
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        if (id) names.add(expr.slice(id.from, id.to));
      }
    },
  });
  return [...names];
}

/** An alert expression without its number thresholds (`x > 0.05` → `x`), so values can be compared, not just firing. */
export function withoutThresholds(expr: string): string {
  const tree = parse(expr);
  const edits: { from: number; to: number; text: string }[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.name === 'BinaryExpr') {
      const parts = children(node);
      const op = parts.find((c) => COMPARISONS.has(c.name));
      const [lhs, rhs] = [parts[0]!, parts[parts.length - 1]!];
      // A number, or arithmetic of numbers only (`14.4 * 0.01`).
      const isNumber = (n: SyntaxNode) => /^[\s\d.eE+\-*/()]+$/.test(text(expr, n));
      if (op && (isNumber(rhs) || isNumber(lhs))) {
        const vector = isNumber(rhs) ? lhs : rhs;
        edits.push({ from: node.from, to: node.to, text: withoutThresholds(text(expr, vector)) });
        return;
      }
    }
    for (const c of children(node)) visit(c);
  };
  visit(tree.topNode);
  return applyEdits(expr, edits);
}

const labelKey = (metric: Record<string, string>): string =>
  JSON.stringify(Object.entries(metric).filter(([k]) => k !== '__name__').sort(([a], [b]) => (a < b ? -1 : 1)));

function byLabels(samples: Sample[]): Map<string, number> {
  return new Map(samples.map((s) => [labelKey(s.metric), Number(s.value[1])]));
}

function sameValue(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function compare(what: string, got: Map<string, number>, want: Map<string, number>): string[] {
  const problems: string[] = [];
  for (const [k, v] of got) {
    if (!want.has(k)) problems.push(`${what}: series ${k} = ${v} has no counterpart`);
    else if (!sameValue(v, want.get(k)!)) problems.push(`${what}: ${k} is ${v}, expected ${want.get(k)}`);
  }
  for (const [k, v] of want) if (!got.has(k)) problems.push(`${what}: missing series ${k} (expected ${v})`);
  return problems;
}

export interface FleetCheckOptions {
  windowMs: number;
  /** Evaluation time, Prometheus' clock, seconds. */
  atSeconds: number;
  /** True when the query is meant per replica (its alert text names `$labels.instance`). */
  perReplica: boolean;
  replicas: readonly string[];
  /** An alert with its threshold may rightly return nothing (not firing). */
  mayBeEmpty?: boolean;
}

export interface FleetCheckResult {
  problems: string[];
  /** Series the exact fleet query returned. */
  series: number;
}

/** The outermost aggregations that group by the replica label: parts of a query computed per replica on purpose. */
export function perReplicaParts(expr: string): string[] {
  const parts: string[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.name === 'AggregateExpr') {
      const modifier = node.getChild('AggregateModifier');
      const labels = modifier?.getChild('GroupingLabels')?.getChildren('LabelName').map((l) => text(expr, l)) ?? [];
      if (modifier?.getChild('By') && labels.includes(REPLICA_LABEL)) {
        parts.push(text(expr, node));
        return;
      }
    }
    for (const c of children(node)) visit(c);
  };
  visit(parse(expr).topNode);
  return parts;
}

/** A query meant per replica: each replica's series equal what the query gives on that replica alone. */
async function perReplicaProblems(prometheus: PrometheusServer, expr: string, fleet: Sample[], o: FleetCheckOptions): Promise<string[]> {
  const problems: string[] = [];
  for (const s of fleet) if (!(REPLICA_LABEL in s.metric)) problems.push(`meant per replica, but series ${labelKey(s.metric)} has no ${REPLICA_LABEL} label`);
  for (const replica of o.replicas) {
    const alone = await prometheus.query(exactQuery(expr, o.windowMs, { kind: 'replica', value: replica }), o.atSeconds);
    const mine = fleet.filter((s) => s.metric[REPLICA_LABEL] === replica);
    problems.push(...compare(`replica ${replica} in the fleet answer vs that replica alone`, byLabels(mine), byLabels(alone)));
  }
  return problems;
}

export async function checkFleetQuery(prometheus: PrometheusServer, expr: string, o: FleetCheckOptions): Promise<FleetCheckResult> {
  const fleet = await prometheus.query(exactQuery(expr, o.windowMs), o.atSeconds);
  const problems: string[] = [];
  // The query as written (Prometheus' own rate()) runs and returns the same series; its values
  // differ by rate()'s extrapolation. Thresholds may make that differ, so not for alerts with theirs.
  if (!o.mayBeEmpty) {
    const asWritten = [...byLabels(await prometheus.query(expr, o.atSeconds)).keys()].sort();
    const exact = [...byLabels(fleet).keys()].sort();
    if (JSON.stringify(asWritten) !== JSON.stringify(exact)) problems.push(`as written it returns series ${asWritten.join(' ')}, its exact form ${exact.join(' ')}`);
  }
  if (o.perReplica) {
    problems.push(...(await perReplicaProblems(prometheus, expr, fleet, o)));
  } else {
    const perReplica = fleet.filter((s) => REPLICA_LABEL in s.metric);
    if (perReplica.length > 0) {
      problems.push(`returns ${perReplica.length} series per replica (${REPLICA_LABEL}=${[...new Set(perReplica.map((s) => s.metric[REPLICA_LABEL]))].join(', ')}) where a sum over replicas is meant`);
    }
    const parts = perReplicaParts(expr);
    if (parts.length === 0) {
      const pooled = await prometheus.query(exactQuery(expr, o.windowMs, { kind: 'pooled' }), o.atSeconds);
      problems.push(...compare("fleet vs one gateway serving all replicas' calls", byLabels(fleet), byLabels(pooled)));
    } else {
      // `max(sum by (instance) (...))`: a choice across replicas, made on purpose; each replica's part must be right.
      for (const part of parts) {
        const partFleet = await prometheus.query(exactQuery(part, o.windowMs), o.atSeconds);
        problems.push(...(await perReplicaProblems(prometheus, part, partFleet, o)).map((p) => `${part}: ${p}`));
      }
    }
  }
  // An empty answer proves nothing, and is right only when something it reads has no data at all.
  if (fleet.length === 0 && !o.mayBeEmpty) {
    const present = await Promise.all(selectedMetrics(expr).map(async (m) => (await prometheus.query(`count(${m})`, o.atSeconds)).length > 0));
    if (present.every(Boolean)) problems.push('returns nothing although every metric it reads has series');
  }
  return { problems, series: fleet.length };
}
