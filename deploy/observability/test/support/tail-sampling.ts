/**
 * What the gateway tier's `tail_sampling` policies decide for a trace, following the processor's
 * evaluators (contrib processor/tailsamplingprocessor/internal/sampling, v0.117.0 and v0.127.0 read
 * alike): status_code (any span with a listed status), string_attribute (a resource or span
 * attribute read as a string, so a list or number never matches; with regex matching, an unanchored
 * RE2 search), latency (last span end minus first span start, whole ms: >= threshold_ms,
 * or in (threshold_ms, upper_threshold_ms] when an upper bound is set), probabilistic (a hash of the trace id: "maybe" here). A policy type
 * this file does not know is an error, so a new policy is never silently taken as "keeps nothing".
 */
import type { DecodedSpan } from '@secure-mcp-gateway/otlp-test-receiver';

export interface PolicyConfig {
  name: string;
  type: string;
  [key: string]: unknown;
}

export type Verdict = 'sampled' | 'not-sampled' | 'maybe';

const STATUS: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

export function evaluatePolicy(policy: PolicyConfig, trace: readonly DecodedSpan[]): Verdict {
  const cfg = (policy[policy.type] ?? {}) as Record<string, unknown>;
  switch (policy.type) {
    case 'status_code': {
      const wanted = (cfg.status_codes as string[]).map((c) => {
        if (!(c in STATUS)) throw new Error(`policy ${policy.name}: unknown status code ${c}`);
        return STATUS[c];
      });
      return trace.some((s) => wanted.includes(s.status.code)) ? 'sampled' : 'not-sampled';
    }
    case 'string_attribute': {
      const key = cfg.key as string;
      const values = cfg.values as string[];
      const matches = cfg.enabled_regex_matching
        ? (v: string) => values.some((p) => new RegExp(p).test(v))
        : (v: string) => values.includes(v);
      const asString = (v: unknown) => (typeof v === 'string' ? v : '');
      const hit = trace.some((s) => [s.resource[key], s.attributes[key]].some((v) => asString(v) !== '' && matches(asString(v))));
      return hit !== Boolean(cfg.invert_match) ? 'sampled' : 'not-sampled';
    }
    case 'latency': {
      const start = trace.reduce((m, s) => (BigInt(s.startTimeUnixNano) < m ? BigInt(s.startTimeUnixNano) : m), BigInt(trace[0]!.startTimeUnixNano));
      const end = trace.reduce((m, s) => (BigInt(s.endTimeUnixNano) > m ? BigInt(s.endTimeUnixNano) : m), 0n);
      const ms = Number((end - start) / 1_000_000n);
      const [lower, upper] = [Number(cfg.threshold_ms), Number(cfg.upper_threshold_ms ?? 0)];
      return (upper === 0 ? ms >= lower : ms > lower && ms <= upper) ? 'sampled' : 'not-sampled';
    }
    case 'probabilistic':
      return Number(cfg.sampling_percentage) >= 100 ? 'sampled' : Number(cfg.sampling_percentage) <= 0 ? 'not-sampled' : 'maybe';
    default:
      throw new Error(`policy ${policy.name}: type ${policy.type} is not modelled by test/support/tail-sampling.ts`);
  }
}

/** The policies that keep this trace for certain, and whether only a probabilistic one could. */
export function decide(policies: readonly PolicyConfig[], trace: readonly DecodedSpan[]): { keptBy: string[]; maybeBy: string[] } {
  const keptBy: string[] = [];
  const maybeBy: string[] = [];
  for (const p of policies) {
    const v = evaluatePolicy(p, trace);
    if (v === 'sampled') keptBy.push(p.name);
    if (v === 'maybe') maybeBy.push(p.name);
  }
  return { keptBy, maybeBy };
}
