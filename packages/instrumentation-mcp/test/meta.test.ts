// `_meta` is written by the peer: read only by constant keys, own properties, strings, and cut to
// the W3C limits (traceparent 55 chars, tracestate 32 members / 512 chars, baggage 180 members /
// 8,192 bytes) without reading past them.
import { SpanKind, propagation } from '@opentelemetry/api';
import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { readMetaValue } from '../src/meta';
import { createMcpInstrumentation } from '../src/index';
import { installGlobals, memoryTelemetry } from './helpers/memory';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const members = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join(',');
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

describe('readMetaValue', () => {
  it('keeps a traceparent of at most 55 characters', () => {
    expect(readMetaValue({ traceparent: TRACEPARENT }, 'traceparent')).toBe(TRACEPARENT);
    expect(readMetaValue({ traceparent: `${TRACEPARENT}-extra` }, 'traceparent')).toBeUndefined();
  });

  it('keeps the first 32 tracestate members', () => {
    const value = members(40, (i) => `v${i}=x`);
    const kept = readMetaValue({ tracestate: value }, 'tracestate')!;
    expect(kept.split(',')).toEqual(value.split(',').slice(0, 32));
  });

  it('keeps whole tracestate members within 512 characters', () => {
    const value = members(20, (i) => `vendor${i}=${'a'.repeat(40)}`);
    const kept = readMetaValue({ tracestate: value }, 'tracestate')!;
    expect(kept.length).toBeLessThanOrEqual(512);
    expect(value.startsWith(kept)).toBe(true);
    expect(kept.split(',').length).toBeGreaterThan(9);
    expect(value.split(',')).toEqual(expect.arrayContaining(kept.split(',')));
  });

  it('keeps the first 180 baggage members and at most 8,192 UTF-8 bytes', () => {
    const many = members(200, (i) => `k${i}=v`);
    expect(readMetaValue({ baggage: many }, 'baggage')!.split(',')).toHaveLength(180);
    // 3-byte characters: the byte limit bites before the character count would.
    const wide = members(100, (i) => `k${i}=${'€'.repeat(40)}`);
    const kept = readMetaValue({ baggage: wide }, 'baggage')!;
    expect(utf8(kept)).toBeLessThanOrEqual(8192);
    expect(utf8(kept)).toBeGreaterThan(8192 - 130);
    expect(wide.startsWith(kept)).toBe(true);
  });

  it('drops a first member that alone exceeds the limit', () => {
    expect(readMetaValue({ baggage: `k=${'v'.repeat(9000)}` }, 'baggage')).toBeUndefined();
  });

  it('ignores what is not an own string property', () => {
    expect(readMetaValue({ traceparent: 42 }, 'traceparent')).toBeUndefined();
    expect(readMetaValue({ traceparent: [TRACEPARENT] }, 'traceparent')).toBeUndefined();
    expect(readMetaValue(Object.create({ traceparent: TRACEPARENT }), 'traceparent')).toBeUndefined();
    const parsed = JSON.parse('{"__proto__": {"traceparent": "x"}, "constructor": "y"}') as Record<string, unknown>;
    expect(readMetaValue(parsed, 'traceparent')).toBeUndefined();
  });

  it('reads a megabyte value only up to the limit', () => {
    // Linear in the limit, not the input: a value with no comma at all is cut at once.
    const huge = 'k=' + 'v'.repeat(1 << 20);
    expect(readMetaValue({ tracestate: huge }, 'tracestate')).toBeUndefined();
    expect(readMetaValue({ other: huge }, 'other')).toBeUndefined();
  });
});

describe('hostile _meta on the wire', () => {
  let restore: () => void;
  beforeAll(() => {
    restore = installGlobals();
  });
  afterAll(() => restore());

  it('serves the request under the sent trace; the propagator never sees more than the limits', async () => {
    const telemetry = memoryTelemetry();
    // The propagator the host configured, recording what it is handed (any propagator, not only
    // the SDK's W3C one that bounds baggage itself, gets bounded input).
    const w3c = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
    const seen: Record<string, number> = {};
    const propagator: TextMapPropagator = {
      inject: (ctx, carrier, setter) => w3c.inject(ctx, carrier, setter),
      extract: (ctx, carrier, getter) => {
        for (const key of ['traceparent', 'tracestate', 'baggage', 'b3']) seen[key] = String(getter.get(carrier, key) ?? '').length;
        return w3c.extract(ctx, carrier, getter);
      },
      fields: () => w3c.fields(),
    };
    const mcp = createMcpInstrumentation({ tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider, propagator });
    const server = mcp.instrumentServer(new McpServer({ name: 'target', version: '1' }));
    let entries = -1;
    server.registerTool('probe', {}, async () => {
      entries = propagation.getActiveBaggage()?.getAllEntries().length ?? 0;
      return { content: [] };
    });
    const [peer, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const replies: unknown[] = [];
    peer.onmessage = (m) => replies.push(m);
    await peer.start();
    const send = (message: object) => peer.send({ jsonrpc: '2.0', ...message } as never);
    await send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    await send({ method: 'notifications/initialized' });
    await send({
      id: 'req-2',
      method: 'tools/call',
      params: {
        name: 'probe',
        _meta: {
          traceparent: TRACEPARENT,
          tracestate: members(100, (i) => `v${i}=x`),
          baggage: members(1000, (i) => `key${i}=${'v'.repeat(60)}`),
          // A key another propagator reads (B3), with an oversized value.
          b3: 'x'.repeat(10_000),
        },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await peer.close();
    expect(replies.some((r) => (r as { id?: unknown }).id === 'req-2')).toBe(true);
    const span = telemetry.span('tools/call', SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span.attributes['jsonrpc.request.id']).toBe('req-2');
    expect(seen).toEqual({ traceparent: 55, tracestate: members(32, (i) => `v${i}=x`).length, baggage: expect.any(Number), b3: 0 });
    expect(seen.baggage).toBeLessThanOrEqual(8192);
    expect(entries).toBeGreaterThan(100);
  });
});
