/**
 * One MCP operation: a request (until its response) or a notification, in one direction. It owns
 * the span (unless it was merged into an outer `execute_tool` span) and records the duration
 * metric when it finishes. Status rules per the conventions: `error.type` is set iff the
 * operation failed, and then the span status is ERROR with the JSON-RPC message; on the
 * receiving side the caller's errors (`CALLER_ERROR_CODES`) keep only `rpc.response.status_code`.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Histogram, Span } from '@opentelemetry/api';
import type { McpOperation } from './context.js';
import { isRecord } from './meta.js';
import { bounded } from './names.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  CALLER_ERROR_CODES,
  ERROR_TYPE_OTHER,
  ERROR_TYPE_TOOL_ERROR,
} from './semconv.js';

const CALLER_ERRORS: ReadonlySet<number> = new Set<number>(CALLER_ERROR_CODES);
/** Longest span status description kept from a peer's JSON-RPC error message. */
export const STATUS_MESSAGE_MAX = 256;

/** How an operation ended. */
export interface Outcome {
  /** The JSON-RPC `result` of a response. */
  readonly result?: unknown;
  /** The JSON-RPC `error` of a response. */
  readonly error?: unknown;
  /** A failure without a response (`cancelled`, `timeout`, `connection_closed`, a send error's type). */
  readonly failure?: string;
}

/** Hooks an operation calls when it finishes (the connection learns from results). */
export interface OperationHooks {
  onResult(operation: Operation, result: unknown): void;
}

export class Operation implements McpOperation {
  private errorOverride: string | undefined;
  private overridden = false;
  private finished = false;

  constructor(
    readonly span: Span,
    readonly method: string,
    /** True for a message received from the peer (SERVER-kind span, server-side metric). */
    readonly incoming: boolean,
    /** False when the span belongs to an outer instrumentation (attributes only, never ended here). */
    readonly ownsSpan: boolean,
    private readonly started: number,
    private readonly histogram: Histogram,
    /** The metric point's attributes; finish() adds the outcome's keys. */
    private readonly metricAttributes: Attributes,
    private readonly hooks: OperationHooks | undefined,
  ) {}

  setErrorType(errorType: string | undefined): void {
    this.overridden = errorType !== undefined;
    this.errorOverride = errorType;
  }

  /** Sets an attribute on the span and the metric point (e.g. the version `initialize` negotiated). */
  setSharedAttribute(key: string, value: string): void {
    this.span.setAttribute(key, value);
    this.metricAttributes[key] = value;
  }

  /** Ends the operation once; later calls are ignored. */
  finish(outcome: Outcome): void {
    if (this.finished) return;
    this.finished = true;
    const span = this.span;
    let errorType: string | undefined;
    let statusCode: string | undefined;
    let message: string | undefined;
    if (outcome.error !== undefined) {
      const error = isRecord(outcome.error) ? outcome.error : {};
      const code = error.code;
      if (typeof code === 'number' && Number.isSafeInteger(code)) {
        statusCode = String(code);
        if (!(this.incoming && CALLER_ERRORS.has(code))) errorType = statusCode;
      } else {
        errorType = ERROR_TYPE_OTHER;
      }
      if (typeof error.message === 'string') message = bounded(error.message, STATUS_MESSAGE_MAX);
    } else if (outcome.failure !== undefined) {
      errorType = outcome.failure;
    } else if (outcome.result !== undefined) {
      if (this.method === 'tools/call' && isRecord(outcome.result) && outcome.result.isError === true) errorType = ERROR_TYPE_TOOL_ERROR;
      this.hooks?.onResult(this, outcome.result);
    }
    if (this.overridden) errorType = this.errorOverride;

    const attributes = this.metricAttributes;
    if (statusCode !== undefined) {
      attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = statusCode;
      span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, statusCode);
    }
    if (errorType !== undefined) {
      attributes[ATTR_ERROR_TYPE] = errorType;
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      // An outer span's status is its owner's to set.
      if (this.ownsSpan) span.setStatus(message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
    }
    if (this.ownsSpan) span.end();
    this.histogram.record((performance.now() - this.started) / 1000, attributes);
  }
}
