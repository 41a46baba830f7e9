/**
 * The gateway's service-level objectives, stated once. The burn-rate alert rules, their recording
 * rules, their promtool cases, the SLO dashboard panels and docs/metrics.md are generated from
 * this table and the catalog rows it names (`pnpm --filter @secure-mcp-gateway/metrics-catalog generate`).
 */
import type { GatewayMetricKey } from './definitions.js';

/** How an SLO counts bad events among all events. */
export type SloIndicator =
  /** `bad` counts the failed events, `total` all of them (two counters). */
  | { readonly kind: 'ratio'; readonly bad: GatewayMetricKey; readonly total: GatewayMetricKey }
  /**
   * Events slower than `thresholdSeconds` are bad, read from a duration histogram's buckets;
   * the threshold must be one of the histogram's bucket boundaries.
   */
  | { readonly kind: 'latency'; readonly histogram: GatewayMetricKey; readonly thresholdSeconds: number };

export interface SloDefinition {
  /** `slo` label value on the recorded series and the alerts; snake_case. */
  readonly id: string;
  /** Words for the alert summaries, panel titles and docs. */
  readonly title: string;
  readonly description: string;
  /** Share of events that must be good over `periodDays` (0.99 = 99%); the error budget is 1 - objective. */
  readonly objective: number;
  /** The rolling period the objective holds over; the burn-rate factors are computed for it. */
  readonly periodDays: number;
  readonly indicator: SloIndicator;
}

export const SLO_DEFINITIONS = [
  {
    id: 'tool_call_errors',
    title: 'Tool-call errors',
    description:
      'Tool calls that fail (upstream error result, timeout or exception) among all tool calls the gateway received. ' +
      'Calls a guardrail blocked are the gateway working, not failing, and count as good.',
    objective: 0.99,
    periodDays: 30,
    indicator: { kind: 'ratio', bad: 'toolCallFailure', total: 'toolCalls' },
  },
  {
    id: 'tool_call_latency',
    title: 'Tool-call latency',
    description:
      'Tool calls answered in more than 5 seconds (guardrails and the upstream call included) among all tool calls, whatever their outcome.',
    objective: 0.99,
    periodDays: 30,
    indicator: { kind: 'latency', histogram: 'toolCallDuration', thresholdSeconds: 5 },
  },
] as const satisfies readonly SloDefinition[];

/** `id` of any SLO in the table. */
export type SloId = (typeof SLO_DEFINITIONS)[number]['id'];
