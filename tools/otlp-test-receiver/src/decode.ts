// Decodes OTLP protobuf requests (the real wire format) into plain objects tests can assert on.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
// The generated protobufjs root of the OTLP protos (v1). Grab the message types right away:
// protobufjs keeps roots in a shared registry that another copy could later overwrite.
const root = require('otlp-proto-root/build/src/generated/root.js') as any;
const collector = root.opentelemetry.proto.collector;
const TraceRequest = collector.trace.v1.ExportTraceServiceRequest;
const MetricsRequest = collector.metrics.v1.ExportMetricsServiceRequest;
const LogsRequest = collector.logs.v1.ExportLogsServiceRequest;

export type Signal = 'traces' | 'metrics' | 'logs';
export type Attributes = Record<string, unknown>;

export interface DecodedScope {
  name: string;
  version?: string;
}

/** OTLP span kinds by name (the wire numbers are 0..5; note they differ from the API's SpanKind enum). */
export type DecodedSpanKind = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
const SPAN_KINDS: readonly DecodedSpanKind[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: DecodedSpanKind;
  attributes: Attributes;
  /** code: 0 UNSET, 1 OK, 2 ERROR (same numbers as the API's SpanStatusCode). */
  status: { code: number; message?: string };
  events: { name: string; attributes: Attributes; timeUnixNano: string }[];
  links: { traceId: string; spanId: string; attributes: Attributes }[];
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  resource: Attributes;
  scope: DecodedScope;
}

export interface DecodedMetricPoint {
  name: string;
  unit: string;
  description: string;
  type: 'sum' | 'gauge' | 'histogram';
  /** sum and gauge points */
  value?: number;
  /** sum only */
  isMonotonic?: boolean;
  /** histogram points (exponential histograms report count and sum only) */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  attributes: Attributes;
  timeUnixNano: string;
  resource: Attributes;
  scope: DecodedScope;
}

export interface DecodedLog {
  body: unknown;
  severityText: string;
  severityNumber: number;
  attributes: Attributes;
  traceId?: string;
  spanId?: string;
  timeUnixNano: string;
  resource: Attributes;
  scope: DecodedScope;
}

export interface Decoded {
  spans: DecodedSpan[];
  metrics: DecodedMetricPoint[];
  logs: DecodedLog[];
}

/** int64/fixed64 fields arrive as numbers or Long objects depending on protobufjs' setup. */
function toNum(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (typeof value === 'object' && typeof (value as any).toNumber === 'function') return (value as any).toNumber();
  return Number(value);
}

function toBigString(value: unknown): string {
  if (value === null || value === undefined) return '0';
  if (typeof value === 'object' && typeof (value as any).toString === 'function') return (value as any).toString();
  return String(value);
}

function hex(bytes: unknown): string {
  if (!bytes || (bytes as Uint8Array).length === 0) return '';
  return Buffer.from(bytes as Uint8Array).toString('hex');
}

export function anyValue(v: any): unknown {
  if (v === null || v === undefined) return undefined;
  if (v.stringValue !== null && v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== null && v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== null && v.intValue !== undefined) return toNum(v.intValue);
  if (v.doubleValue !== null && v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  if (v.bytesValue) return Buffer.from(v.bytesValue);
  return undefined;
}

function attrs(list: any[] | undefined | null): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function scopeOf(scope: any): DecodedScope {
  const out: DecodedScope = { name: scope?.name ?? '' };
  if (scope?.version) out.version = scope.version;
  return out;
}

export function decodeTraces(buf: Uint8Array): DecodedSpan[] {
  const req = TraceRequest.decode(buf);
  const out: DecodedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = scopeOf(ss.scope);
      for (const s of ss.spans ?? []) {
        const span: DecodedSpan = {
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          name: s.name ?? '',
          kind: SPAN_KINDS[s.kind ?? 0] ?? 'UNSPECIFIED',
          attributes: attrs(s.attributes),
          status: { code: s.status?.code ?? 0 },
          events: (s.events ?? []).map((e: any) => ({
            name: e.name ?? '',
            attributes: attrs(e.attributes),
            timeUnixNano: toBigString(e.timeUnixNano),
          })),
          links: (s.links ?? []).map((l: any) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attrs(l.attributes) })),
          startTimeUnixNano: toBigString(s.startTimeUnixNano),
          endTimeUnixNano: toBigString(s.endTimeUnixNano),
          resource,
          scope,
        };
        const parent = hex(s.parentSpanId);
        if (parent) span.parentSpanId = parent;
        if (s.status?.message) span.status.message = s.status.message;
        out.push(span);
      }
    }
  }
  return out;
}

export function decodeMetrics(buf: Uint8Array): DecodedMetricPoint[] {
  const req = MetricsRequest.decode(buf);
  const out: DecodedMetricPoint[] = [];
  for (const rm of req.resourceMetrics ?? []) {
    const resource = attrs(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = scopeOf(sm.scope);
      for (const m of sm.metrics ?? []) {
        const base = { name: m.name ?? '', unit: m.unit ?? '', description: m.description ?? '', resource, scope };
        const numberPoint = (p: any, type: 'sum' | 'gauge', isMonotonic?: boolean): DecodedMetricPoint => {
          const point: DecodedMetricPoint = {
            ...base,
            type,
            value: p.asDouble !== null && p.asDouble !== undefined ? p.asDouble : toNum(p.asInt),
            attributes: attrs(p.attributes),
            timeUnixNano: toBigString(p.timeUnixNano),
          };
          if (isMonotonic !== undefined) point.isMonotonic = isMonotonic;
          return point;
        };
        if (m.sum) for (const p of m.sum.dataPoints ?? []) out.push(numberPoint(p, 'sum', Boolean(m.sum.isMonotonic)));
        if (m.gauge) for (const p of m.gauge.dataPoints ?? []) out.push(numberPoint(p, 'gauge'));
        if (m.histogram) {
          for (const p of m.histogram.dataPoints ?? []) {
            const point: DecodedMetricPoint = {
              ...base,
              type: 'histogram',
              count: toNum(p.count),
              bucketCounts: (p.bucketCounts ?? []).map(toNum),
              explicitBounds: [...(p.explicitBounds ?? [])],
              attributes: attrs(p.attributes),
              timeUnixNano: toBigString(p.timeUnixNano),
            };
            if (p.sum !== null && p.sum !== undefined) point.sum = p.sum;
            if (p.min !== null && p.min !== undefined) point.min = p.min;
            if (p.max !== null && p.max !== undefined) point.max = p.max;
            out.push(point);
          }
        }
        if (m.exponentialHistogram) {
          for (const p of m.exponentialHistogram.dataPoints ?? []) {
            const point: DecodedMetricPoint = {
              ...base,
              type: 'histogram',
              count: toNum(p.count),
              attributes: attrs(p.attributes),
              timeUnixNano: toBigString(p.timeUnixNano),
            };
            if (p.sum !== null && p.sum !== undefined) point.sum = p.sum;
            out.push(point);
          }
        }
      }
    }
  }
  return out;
}

export function decodeLogs(buf: Uint8Array): DecodedLog[] {
  const req = LogsRequest.decode(buf);
  const out: DecodedLog[] = [];
  for (const rl of req.resourceLogs ?? []) {
    const resource = attrs(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      const scope = scopeOf(sl.scope);
      for (const r of sl.logRecords ?? []) {
        const log: DecodedLog = {
          body: anyValue(r.body),
          severityText: r.severityText ?? '',
          severityNumber: r.severityNumber ?? 0,
          attributes: attrs(r.attributes),
          timeUnixNano: toBigString(r.timeUnixNano),
          resource,
          scope,
        };
        const traceId = hex(r.traceId);
        const spanId = hex(r.spanId);
        if (traceId) log.traceId = traceId;
        if (spanId) log.spanId = spanId;
        out.push(log);
      }
    }
  }
  return out;
}

export function decodeSignal(signal: Signal, buf: Uint8Array): Partial<Decoded> {
  if (signal === 'traces') return { spans: decodeTraces(buf) };
  if (signal === 'metrics') return { metrics: decodeMetrics(buf) };
  return { logs: decodeLogs(buf) };
}

const REQUEST_TYPES = { traces: TraceRequest, metrics: MetricsRequest, logs: LogsRequest } as const;
/** OTLP/JSON writes these as hex strings (not base64, as protobuf's JSON mapping would). */
const HEX_ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

function hexIdsToBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIdsToBytes);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = HEX_ID_KEYS.has(key) && typeof item === 'string' ? Buffer.from(item, 'hex') : hexIdsToBytes(item);
  }
  return out;
}

/**
 * An OTLP/JSON request body as the protobuf bytes of the same request, so one decoder serves
 * both encodings. Throws on text that is not JSON or not an OTLP request.
 */
export function encodeJsonRequest(signal: Signal, text: string): Uint8Array {
  const type = REQUEST_TYPES[signal];
  const object = JSON.parse(text) as unknown;
  if (object === null || typeof object !== 'object' || Array.isArray(object)) throw new Error('OTLP/JSON body is not an object');
  return type.encode(type.fromObject(hexIdsToBytes(object))).finish();
}
