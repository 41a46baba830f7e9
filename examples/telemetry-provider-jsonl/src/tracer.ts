import { randomBytes } from 'node:crypto';
import {
  context as otelContext,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type {
  Attributes,
  AttributeValue,
  Context,
  Exception,
  Link,
  Span,
  SpanContext,
  SpanOptions,
  SpanStatus,
  TimeInput,
  Tracer,
} from '@opentelemetry/api';
import { toJsonLine, type JsonlFile } from './file';
import { iso, toMs } from './time';

export interface TracerOptions {
  readonly file: JsonlFile;
  readonly resource: Readonly<Record<string, string>>;
  /** Root spans are sampled with this probability; children follow their parent's decision. */
  readonly samplingRatio: number;
}

interface SpanEventLine {
  name: string;
  time: string;
  attributes: Attributes;
}

const KIND_NAMES: Record<number, string> = {
  [SpanKind.INTERNAL]: 'INTERNAL',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};
const STATUS_NAMES: Record<number, string> = {
  [SpanStatusCode.UNSET]: 'UNSET',
  [SpanStatusCode.OK]: 'OK',
  [SpanStatusCode.ERROR]: 'ERROR',
};

function isAttributeValue(value: unknown): value is AttributeValue {
  if (value === undefined || value === null) return false;
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || Array.isArray(value);
}

/** A span that records to one JSON line when it ends. */
class JsonlSpan implements Span {
  private readonly attributes: Attributes = {};
  private readonly events: SpanEventLine[] = [];
  private readonly links: Link[];
  private status: SpanStatus = { code: SpanStatusCode.UNSET };
  private ended = false;
  private readonly startMs: number;

  constructor(
    private name: string,
    private readonly ctx: SpanContext,
    private readonly parentSpanId: string | undefined,
    private readonly kind: SpanKind,
    private readonly scope: { name: string; version?: string | undefined },
    private readonly options: TracerOptions,
    spanOptions: SpanOptions,
  ) {
    this.startMs = toMs(spanOptions.startTime);
    this.links = [...(spanOptions.links ?? [])];
    if (spanOptions.attributes) this.setAttributes(spanOptions.attributes);
  }

  spanContext(): SpanContext {
    return this.ctx;
  }
  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended && isAttributeValue(value)) this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) this.setAttribute(key, value);
    return this;
  }
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const isTime = typeof attributesOrTime === 'number' || attributesOrTime instanceof Date || Array.isArray(attributesOrTime);
    const attributes = isTime || attributesOrTime === undefined ? {} : (attributesOrTime as Attributes);
    const at = isTime ? (attributesOrTime as TimeInput) : time;
    this.events.push({ name, time: iso(toMs(at)), attributes });
    return this;
  }
  addLink(link: Link): this {
    if (!this.ended) this.links.push(link);
    return this;
  }
  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }
  setStatus(status: SpanStatus): this {
    // OK is final; UNSET never overrides (as the OTel SDK does).
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    this.status = status.code === SpanStatusCode.OK ? { code: status.code } : status;
    return this;
  }
  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else {
      if (exception.name) attributes['exception.type'] = exception.name;
      else if (exception.code !== undefined) attributes['exception.type'] = String(exception.code);
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }
  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    const endMs = Math.max(toMs(endTime), this.startMs);
    const line: Record<string, unknown> = {
      time: iso(endMs),
      name: this.name,
      kind: KIND_NAMES[this.kind] ?? 'INTERNAL',
      trace_id: this.ctx.traceId,
      span_id: this.ctx.spanId,
    };
    if (this.parentSpanId) line.parent_span_id = this.parentSpanId;
    Object.assign(line, {
      start_time: iso(this.startMs),
      end_time: iso(endMs),
      duration_ms: Math.round((endMs - this.startMs) * 1000) / 1000,
      status: { code: STATUS_NAMES[this.status.code], ...(this.status.message ? { message: this.status.message } : {}) },
      attributes: this.attributes,
      events: this.events,
      links: this.links.map((l) => ({ trace_id: l.context.traceId, span_id: l.context.spanId, attributes: l.attributes ?? {} })),
      scope: this.scope,
      resource: this.options.resource,
    });
    this.options.file.write(toJsonLine(line));
  }
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A minimal but real tracer on the OTel API: ids, parent/child from context, sampling. */
export function createTracer(options: TracerOptions, name: string, version?: string): Tracer {
  const scope = version ? { name, version } : { name };

  function startSpan(spanName: string, spanOptions: SpanOptions = {}, ctx: Context = otelContext.active()): Span {
    const parent = spanOptions.root ? undefined : trace.getSpanContext(ctx);
    const validParent = parent && isSpanContextValid(parent) ? parent : undefined;
    const sampled = validParent
      ? (validParent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED
      : Math.random() < options.samplingRatio;
    const spanContext: SpanContext = {
      traceId: validParent?.traceId ?? hex(16),
      spanId: hex(8),
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(validParent?.traceState ? { traceState: validParent.traceState } : {}),
    };
    // Unsampled spans still carry ids (so children and propagation stay consistent) but record nothing.
    if (!sampled) return trace.wrapSpanContext(spanContext);
    return new JsonlSpan(spanName, spanContext, validParent?.spanId, spanOptions.kind ?? SpanKind.INTERNAL, scope, options, spanOptions);
  }

  function startActiveSpan<F extends (span: Span) => unknown>(
    spanName: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const spanOptions = rest.length >= 2 ? (rest[0] as SpanOptions) : undefined;
    const parentCtx = rest.length === 3 ? (rest[1] as Context) : otelContext.active();
    const span = startSpan(spanName, spanOptions, parentCtx);
    return otelContext.with(trace.setSpan(parentCtx, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }

  return { startSpan, startActiveSpan: startActiveSpan as Tracer['startActiveSpan'] };
}

