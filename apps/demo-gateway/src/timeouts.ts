import type { GatewayMetrics } from '@secure-mcp-gateway/metrics-catalog';
import { getLogger } from '@secure-mcp-gateway/telemetry-core';

export type TimeoutOperation = 'tool_call' | 'discovery' | 'guardrail';

export interface EscalationPolicy {
  /** Fractions of the budget. */
  readonly warn: number;
  readonly timeout: number;
  readonly fail: number;
}

export class OperationTimeoutError extends Error {
  readonly operation: TimeoutOperation;
  readonly budgetMs: number;
  constructor(operation: TimeoutOperation, budgetMs: number, what: string) {
    super(`${what} exceeded its ${formatMs(budgetMs)} timeout budget`);
    this.name = 'OperationTimeoutError';
    this.operation = operation;
    this.budgetMs = budgetMs;
  }
}

export class OperationCancelledError extends Error {
  constructor(what: string) {
    super(`${what} was cancelled`);
    this.name = 'OperationCancelledError';
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

interface Stats {
  total: number;
  successful: number;
  timedOut: number;
  cancelled: number;
  failed: number;
  warn: number;
  timeout: number;
  fail: number;
  active: number;
  totalSeconds: number;
  maxSeconds: number;
}

const log = getLogger('gateway.timeouts');

/**
 * Runs operations against a budget with three escalation levels:
 * - warn (0.8 × budget): still running — counted and logged;
 * - timeout (1.0 ×): the caller stops waiting and gets an OperationTimeoutError;
 * - fail (1.2 ×): the operation still has not settled — it is cancelled through its
 *   AbortSignal (upstream: `notifications/cancelled`) and `onFail` runs (the gateway recycles
 *   the upstream connection). It stays counted as timed out only.
 * Cancellation by the caller (its own signal) counts as cancelled.
 */
export class TimeoutManager {
  private readonly stats = new Map<TimeoutOperation, Stats>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly policy: EscalationPolicy,
  ) {}

  private statsFor(operation: TimeoutOperation): Stats {
    let s = this.stats.get(operation);
    if (!s) {
      s = { total: 0, successful: 0, timedOut: 0, cancelled: 0, failed: 0, warn: 0, timeout: 0, fail: 0, active: 0, totalSeconds: 0, maxSeconds: 0 };
      this.stats.set(operation, s);
    }
    return s;
  }

  /**
   * `fn` gets a signal that aborts at the fail level (or when `callerSignal` aborts);
   * `onFail` runs at the fail level, for cleanup such as recycling a wedged connection.
   */
  async run<T>(
    operation: TimeoutOperation,
    budgetMs: number,
    what: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options: {
      callerSignal?: AbortSignal | undefined;
      onFail?: () => void;
      attributes?: Record<string, string>;
      /** Part of the budget already spent before this operation (e.g. on guardrails): the levels come that much sooner. */
      spentMs?: number;
    } = {},
  ): Promise<T> {
    const spent = Math.max(0, options.spentMs ?? 0);
    const at = (level: number) => Math.max(0, budgetMs * level - spent);
    const m = this.metrics;
    const attrs = { operation };
    const s = this.statsFor(operation);
    const started = performance.now();
    const controller = new AbortController();
    let settled = false;
    let outcome: 'success' | 'failure' | 'timeout' | 'cancelled' = 'success';
    m.timeoutOperations.add(1, attrs);
    m.timeoutActiveOperations.add(1, attrs);
    s.total += 1;
    s.active += 1;

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(warnTimer);
      clearTimeout(failTimer);
      const seconds = (performance.now() - started) / 1000;
      m.timeoutActiveOperations.add(-1, attrs);
      m.timeoutOperationDuration.record(seconds, { operation, outcome: outcome === 'cancelled' ? 'error' : outcome });
      s.active -= 1;
      s.totalSeconds += seconds;
      s.maxSeconds = Math.max(s.maxSeconds, seconds);
    };

    const warnTimer = setTimeout(() => {
      m.timeoutEscalationWarn.add(1, attrs);
      s.warn += 1;
      log.warn('timeout_escalation', { operation, escalation: 'warn', budget_ms: budgetMs, ...options.attributes });
    }, at(this.policy.warn));
    let failTimer: NodeJS.Timeout | undefined;

    let rejectDeadline: (error: Error) => void = () => {};
    const onCallerAbort = () => {
      if (settled || outcome !== 'success') return;
      outcome = 'cancelled';
      m.timeoutOperationsCancelled.add(1, attrs);
      s.cancelled += 1;
      const error = new OperationCancelledError(what);
      controller.abort(error);
      rejectDeadline(error);
      finish();
    };

    const work = fn(controller.signal);
    let timeoutTimer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      rejectDeadline = reject;
      timeoutTimer = setTimeout(() => {
        m.timeoutEscalationTimeout.add(1, attrs);
        m.timeoutOperationsTimedOut.add(1, attrs);
        s.timeout += 1;
        s.timedOut += 1;
        outcome = 'timeout';
        log.warn('timeout_escalation', { operation, escalation: 'timeout', budget_ms: budgetMs, ...options.attributes });
        // The caller is answered now; the operation gets until the fail level to settle.
        failTimer = setTimeout(() => {
          // Already counted as timed out; `cancelled` is only for a caller's cancel or shutdown.
          m.timeoutEscalationFail.add(1, attrs);
          s.fail += 1;
          log.error('timeout_escalation', { operation, escalation: 'fail', budget_ms: budgetMs, ...options.attributes });
          controller.abort(new OperationTimeoutError(operation, budgetMs, what));
          options.onFail?.();
          finish();
        }, budgetMs * (this.policy.fail - this.policy.timeout));
        reject(new OperationTimeoutError(operation, budgetMs, what));
      }, at(this.policy.timeout));
    });

    work.then(
      () => {
        clearTimeout(timeoutTimer);
        if (outcome === 'success') {
          m.timeoutOperationsSuccessful.add(1, attrs);
          s.successful += 1;
        }
        finish();
      },
      () => {
        clearTimeout(timeoutTimer);
        if (outcome === 'success') {
          outcome = 'failure';
          s.failed += 1;
        }
        finish();
      },
    );

    if (options.callerSignal?.aborted) onCallerAbort();
    else options.callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timeoutTimer);
      options.callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** What `enkrypt_get_timeout_metrics` returns. */
  snapshot(): Record<string, unknown> {
    const operations: Record<string, unknown> = {};
    for (const [operation, s] of this.stats) {
      operations[operation] = {
        total: s.total,
        successful: s.successful,
        failed: s.failed,
        timed_out: s.timedOut,
        cancelled: s.cancelled,
        active: s.active,
        escalations: { warn: s.warn, timeout: s.timeout, fail: s.fail },
        avg_duration_seconds: s.total - s.active > 0 ? round(s.totalSeconds / (s.total - s.active)) : 0,
        max_duration_seconds: round(s.maxSeconds),
      };
    }
    return {
      escalation_policy: { warn_threshold: this.policy.warn, timeout_threshold: this.policy.timeout, fail_threshold: this.policy.fail },
      operations,
    };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
