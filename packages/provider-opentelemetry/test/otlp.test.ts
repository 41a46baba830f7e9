// Spans, metrics and logs through the provider to a real OTLP receiver, over both transports.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { cleanup, receiver, start } from './helpers';

afterEach(cleanup);

const lastPoint = (r: OtlpReceiver, name: string) => r.metrics.filter((m) => m.name === name).at(-1);

describe.each(['http/protobuf', 'grpc'] as const)('OTLP over %s', (protocol) => {
  const urlOf = (r: OtlpReceiver) => (protocol === 'grpc' ? r.grpcUrl : r.httpUrl);

  it('exports spans, metrics and logs with their content, resource and headers', async () => {
    const r = await receiver();
    const { instance, readLogs, logFile, warnings } = await start({
      url: urlOf(r),
      protocol,
      compression: 'gzip',
      headers: { 'x-api-key': 'hdr-secret-123' },
      resourceAttributes: { 'deployment.environment': 'test' },
    });
    const tracer = instance.tracer('gateway', '1.0.0');
    const logger = instance.logger('gateway.tools').child({ server: 'github' });
    let ids = { traceId: '', parentId: '', childId: '' };
    tracer.startActiveSpan('tools/call echo', { kind: SpanKind.SERVER, attributes: { 'gen_ai.tool.name': 'echo', 'jsonrpc.request.id': 7 } }, (parent) => {
      tracer.startActiveSpan('guardrail.input', (child) => {
        logger.warn('tool call blocked', { violation_type: 'pii', api_key: 'sk-live-secret', attempt: 2 });
        child.setStatus({ code: SpanStatusCode.ERROR, message: 'blocked by guardrail' });
        ids = { traceId: child.spanContext().traceId, parentId: parent.spanContext().spanId, childId: child.spanContext().spanId };
        child.end();
      });
      tracer.startSpan('upstream call', { kind: SpanKind.CLIENT }).end();
      parent.end();
    });
    logger.debug('below the INFO threshold');
    logger.info('outside any span');

    const meter = instance.meter('gateway');
    meter.createCounter('enkrypt_tool_calls_total', { unit: '1', description: 'Tool calls' }).add(2, { server: 'github', tool: 'echo' });
    const duration = meter.createHistogram('enkrypt_tool_call_duration_seconds', {
      unit: 's',
      advice: { explicitBucketBoundaries: [0.01, 0.1, 1, 10] },
    });
    duration.record(0.5, { server: 'github' });
    duration.record(5, { server: 'github' });
    meter.createUpDownCounter('enkrypt_timeout_active_operations').add(3, { operation: 'tool_call' });
    meter.createObservableGauge('enkrypt_active_sessions').addCallback((o) => o.observe(4, { transport: 'stdio' }));

    await instance.forceFlush();
    await r.waitFor(() => r.spans.length >= 3 && r.logs.length >= 2 && lastPoint(r, 'enkrypt_active_sessions') !== undefined);

    // spans
    const parent = r.spans.find((s) => s.name === 'tools/call echo')!;
    const child = r.spans.find((s) => s.name === 'guardrail.input')!;
    const client = r.spans.find((s) => s.name === 'upstream call')!;
    expect(parent).toMatchObject({ kind: 'SERVER', traceId: ids.traceId, spanId: ids.parentId, attributes: { 'gen_ai.tool.name': 'echo', 'jsonrpc.request.id': 7 } });
    expect(parent.parentSpanId).toBeUndefined();
    expect(child).toMatchObject({ kind: 'INTERNAL', parentSpanId: ids.parentId, status: { code: 2, message: 'blocked by guardrail' } });
    expect(client).toMatchObject({ kind: 'CLIENT', parentSpanId: ids.parentId, traceId: ids.traceId });
    expect(parent.scope).toEqual({ name: 'gateway', version: '1.0.0' });
    expect(parent.resource).toMatchObject({
      'service.name': 'otel-provider-test',
      'service.version': '9.8.7',
      job: 'enkryptai',
      'deployment.environment': 'test',
      'process.pid': process.pid,
      'telemetry.sdk.language': 'nodejs',
    });
    expect(parent.resource['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof parent.resource['host.name']).toBe('string');

    // metrics
    expect(lastPoint(r, 'enkrypt_tool_calls_total')).toMatchObject({
      type: 'sum', value: 2, unit: '1', description: 'Tool calls', isMonotonic: true, attributes: { server: 'github', tool: 'echo' },
    });
    expect(lastPoint(r, 'enkrypt_tool_call_duration_seconds')).toMatchObject({
      type: 'histogram', unit: 's', count: 2, sum: 5.5, explicitBounds: [0.01, 0.1, 1, 10], bucketCounts: [0, 0, 1, 1, 0],
    });
    expect(lastPoint(r, 'enkrypt_timeout_active_operations')).toMatchObject({ type: 'sum', value: 3, isMonotonic: false });
    expect(lastPoint(r, 'enkrypt_active_sessions')).toMatchObject({ type: 'gauge', value: 4, attributes: { transport: 'stdio' } });
    expect(lastPoint(r, 'enkrypt_tool_calls_total')!.resource['service.name']).toBe('otel-provider-test');

    // logs: OTLP records and the JSON mirror
    const blocked = r.logs.find((l) => l.body === 'tool call blocked')!;
    expect(blocked).toMatchObject({
      severityText: 'WARNING',
      severityNumber: 13,
      attributes: { server: 'github', violation_type: 'pii', api_key: '[REDACTED]', attempt: 2 },
      traceId: ids.traceId,
      spanId: ids.childId,
      scope: { name: 'gateway.tools' },
      resource: { 'service.name': 'otel-provider-test' },
    });
    const outside = r.logs.find((l) => l.body === 'outside any span')!;
    expect(outside.traceId).toBeUndefined();
    expect(r.logs.some((l) => l.body === 'below the INFO threshold')).toBe(false);

    const lines = readLogs();
    const line = lines.find((l) => l.event === 'tool call blocked')!;
    expect(line).toMatchObject({
      level: 'WARNING', logger: 'gateway.tools', server: 'github', violation_type: 'pii', api_key: '[REDACTED]', attempt: 2,
      trace_id: ids.traceId, span_id: ids.childId,
    });
    expect(Date.parse(line.time as string)).not.toBeNaN();
    expect(lines.some((l) => l.event === 'below the INFO threshold')).toBe(false);

    // headers reach the receiver and nothing else
    const exports = r.requests.filter((q) => q.items > 0);
    expect(new Set(exports.map((q) => q.signal))).toEqual(new Set(['traces', 'metrics', 'logs']));
    for (const q of exports) expect(q.headers['x-api-key']).toBe('hdr-secret-123');
    if (protocol === 'http/protobuf') for (const q of exports) expect(q.headers['content-encoding']).toBe('gzip');
    expect(readFileSync(logFile, 'utf8')).not.toContain('hdr-secret-123');
    expect(readFileSync(logFile, 'utf8')).not.toContain('sk-live-secret');
    expect(warnings).toEqual([]);
    expect(instance.stats()).toMatchObject({ droppedSpans: 0, droppedLogRecords: 0, failedExports: 0 });
  });

  it('emit() writes a buffered record as it was: its time and trace ids are kept', async () => {
    const r = await receiver();
    const { instance, readLogs } = await start({ url: urlOf(r), protocol });
    const time = Date.parse('2026-01-02T03:04:05.678Z');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';
    instance.emit({ time, level: 'ERROR', event: 'written before init', logger: 'early', context: { phase: 'boot' }, fields: { token: 't-1' }, traceId, spanId });
    instance.emit({ time, level: 'DEBUG', event: 'below threshold', logger: 'early', context: {}, fields: {} });
    await instance.forceFlush();
    await r.waitFor(() => r.logs.length >= 1);
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]).toMatchObject({ body: 'written before init', severityText: 'ERROR', traceId, spanId, attributes: { phase: 'boot', token: '[REDACTED]' } });
    expect(r.logs[0]!.timeUnixNano).toBe(`${time}000000`);
    expect(readLogs()).toEqual([
      { time: '2026-01-02T03:04:05.678Z', level: 'ERROR', logger: 'early', event: 'written before init', phase: 'boot', token: '[REDACTED]', trace_id: traceId, span_id: spanId },
    ]);
  });

  it('graceful shutdown delivers every span, log record and metric emitted before it', async () => {
    const r = await receiver();
    const { instance } = await start({ url: urlOf(r), protocol, batch: { timeoutMs: 5000, maxBatchSize: 64, maxQueueSize: 8192 } });
    const tracer = instance.tracer('burst');
    const logger = instance.logger('burst');
    const counter = instance.meter('burst').createCounter('burst_total');
    for (let i = 0; i < 300; i += 1) {
      tracer.startSpan(`span-${i}`).end();
      logger.info(`log-${i}`, { i });
      counter.add(1);
    }
    await instance.shutdown();
    expect(new Set(r.spans.map((s) => s.name)).size).toBe(300);
    expect(new Set(r.logs.map((l) => l.body)).size).toBe(300);
    expect(lastPoint(r, 'burst_total')?.value).toBe(300);
    expect(instance.stats()).toMatchObject({ exportedSpans: 300, exportedLogRecords: 300, droppedSpans: 0, droppedLogRecords: 0, failedExports: 0 });
  });
});
