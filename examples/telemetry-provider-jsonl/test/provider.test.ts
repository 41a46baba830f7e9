import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { isTelemetryProvider } from '@secure-mcp-gateway/telemetry-core';
import { describeProviderConformance } from '@secure-mcp-gateway/telemetry-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import jsonlProvider, { jsonlConfigSchema, type JsonlConfig, type JsonlProviderInstance } from '../src/index';
import { readJsonl, tempDir, testContext } from './helpers';

// Core's conformance suite: the same checks every provider in the ecosystem runs.
describeProviderConformance(jsonlProvider, {
  describe,
  it,
  harness: {
    config: { directory: tempDir('jsonl-conformance-') },
    async readLogs(instance) {
      await instance.forceFlush();
      return readJsonl((instance as JsonlProviderInstance).files.logs);
    },
  },
});

async function parse(raw: unknown): Promise<JsonlConfig> {
  const result = await jsonlConfigSchema['~standard'].validate(raw);
  if (result.issues) throw new Error(result.issues.map((i) => `${String(i.path?.[0])}: ${i.message}`).join('; '));
  return result.value;
}

describe('telemetry-provider-jsonl', () => {
  const open: JsonlProviderInstance[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((i) => i.shutdown()));
    vi.restoreAllMocks();
  });

  async function start(raw: Record<string, unknown> = {}, settings = {}): Promise<JsonlProviderInstance> {
    const dir = tempDir();
    const instance = (await jsonlProvider.create(await parse({ directory: dir, ...raw }), testContext(dir, settings))) as JsonlProviderInstance;
    open.push(instance);
    return instance;
  }

  it('is a provider whose meta states the package version and the core peer range', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
      peerDependencies: Record<string, string>;
    };
    expect(isTelemetryProvider(jsonlProvider)).toBe(true);
    expect(jsonlProvider.meta.version).toBe(pkg.version);
    expect(jsonlProvider.meta.core).toBe(pkg.peerDependencies['@secure-mcp-gateway/telemetry-core']);
  });

  it('writes log records as JSON lines with context, fields and the active span ids', async () => {
    const instance = await start();
    const logger = instance.logger('gateway.auth').child({ server: 'github' });
    const span = instance.tracer('t').startSpan('op');
    context.with(trace.setSpan(context.active(), span), () => logger.info('auth_ok', { user_count: 2, api_key: 'sk-secret' }));
    logger.debug('filtered_out');
    span.end();
    await instance.forceFlush();
    const lines = readJsonl(instance.files.logs);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      logger: 'gateway.auth',
      event: 'auth_ok',
      server: 'github',
      user_count: 2,
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(JSON.stringify(lines)).not.toContain('sk-secret');
    expect(Date.parse(String(lines[0]?.time))).not.toBeNaN();
  });

  it('never lets context or fields overwrite time, level, logger, event, trace_id or span_id', async () => {
    const instance = await start();
    const spoof = { event: 'spoof', logger: 'other', trace_id: 'zzz', span_id: 'yyy', time: 'x', level: 'DEBUG' };
    const logger = instance.logger('gateway.auth').child({ level: 'DEBUG', trace_id: 'ctx', server: 'github' });
    logger.error('real', { ...spoof, user: 'u1' });
    const span = instance.tracer('t').startSpan('op');
    context.with(trace.setSpan(context.active(), span), () => logger.warn('in_span', spoof));
    span.end();
    instance.emit?.({ time: 0, level: 'INFO', logger: 'emitted', event: 'direct', context: spoof, fields: spoof });
    await instance.forceFlush();
    const [outside, inside, emitted] = readJsonl(instance.files.logs);
    expect(outside).toMatchObject({ level: 'ERROR', logger: 'gateway.auth', event: 'real', server: 'github', user: 'u1' });
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
    expect(Date.parse(String(outside?.time))).not.toBeNaN();
    expect(inside).toMatchObject({
      level: 'WARNING',
      logger: 'gateway.auth',
      event: 'in_span',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(emitted).toMatchObject({ time: new Date(0).toISOString(), level: 'INFO', logger: 'emitted', event: 'direct' });
    expect(emitted).not.toHaveProperty('trace_id');
  });

  it('bounds lines waiting on a slow disk by max_queue_size, counting the rest as dropped', async () => {
    // Appends run one at a time: lines handed to an append count against the queue until it lands.
    const instance = await start({}, { batch: { timeoutMs: 60_000, maxBatchSize: 2, maxQueueSize: 5 } });
    const logger = instance.logger('burst');
    // Each second line starts an append; none can finish before this synchronous burst ends.
    for (let i = 0; i < 20; i += 1) logger.info('burst', { i });
    expect(instance.stats?.()).toMatchObject({ droppedLogRecords: 15 });
    await instance.forceFlush();
    expect(readJsonl(instance.files.logs).map((l) => l.i)).toEqual([0, 1, 2, 3, 4]);
    // Once on disk, the queue has room again.
    logger.info('after_drain');
    await instance.forceFlush();
    expect(readJsonl(instance.files.logs)).toHaveLength(6);
    expect(instance.stats?.()).toMatchObject({ droppedLogRecords: 15 });
  });

  it('drops and counts lines written after shutdown instead of buffering them', async () => {
    const instance = await start();
    const logger = instance.logger('x');
    logger.info('before');
    await instance.shutdown();
    logger.info('after');
    instance.emit?.({ time: Date.now(), level: 'INFO', logger: 'x', event: 'emitted_after', context: {}, fields: {} });
    instance.tracer('t').startSpan('late').end();
    await instance.forceFlush();
    expect(readJsonl(instance.files.logs).map((l) => l.event)).toEqual(['before']);
    expect(readJsonl(instance.files.spans)).toEqual([]);
    expect(instance.stats?.()).toMatchObject({ droppedLogRecords: 2, droppedSpans: 1, droppedAfterShutdown: 3 });
  });

  it('links child spans to the active parent across await, and records status and events', async () => {
    const instance = await start();
    const tracer = instance.tracer('gateway', '1.0.0');
    await tracer.startActiveSpan('tools/call echo', async (parent) => {
      await new Promise((r) => setTimeout(r, 5));
      const child = tracer.startSpan('guardrail.input', { attributes: { 'gen_ai.tool.name': 'echo' } });
      child.recordException(new TypeError('bad input'));
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'blocked' });
      child.end();
      parent.end();
    });
    await instance.forceFlush();
    const spans = readJsonl(instance.files.spans);
    const parent = spans.find((s) => s.name === 'tools/call echo');
    const child = spans.find((s) => s.name === 'guardrail.input');
    expect(parent?.parent_span_id).toBeUndefined();
    expect(child).toMatchObject({
      trace_id: parent?.trace_id,
      parent_span_id: parent?.span_id,
      attributes: { 'gen_ai.tool.name': 'echo' },
      status: { code: 'ERROR', message: 'blocked' },
      scope: { name: 'gateway', version: '1.0.0' },
      resource: { 'service.name': 'jsonl-test' },
    });
    expect(child?.events).toEqual([
      expect.objectContaining({ name: 'exception', attributes: expect.objectContaining({ 'exception.type': 'TypeError' }) }),
    ]);
  });

  it('samples no root span at sampling ratio 0 and writes nothing for it', async () => {
    const instance = await start({}, { samplingRatio: 0 });
    const span = instance.tracer('t').startSpan('unsampled');
    expect(span.isRecording()).toBe(false);
    span.end();
    await instance.forceFlush();
    expect(readJsonl(instance.files.spans)).toEqual([]);
  });

  it('writes aggregated metric points on flush: counters, histograms, gauges and observables', async () => {
    const instance = await start();
    const meter = instance.meter('gateway');
    const calls = meter.createCounter('enkrypt_tool_calls_total');
    calls.add(1, { server: 'a', tool: 'echo' });
    calls.add(2, { tool: 'echo', server: 'a' });
    const duration = meter.createHistogram('enkrypt_tool_call_duration_seconds', {
      unit: 's',
      advice: { explicitBucketBoundaries: [0.1, 1] },
    });
    duration.record(0.05, { server: 'a' });
    duration.record(3, { server: 'a' });
    let sessions = 4;
    meter.createObservableGauge('enkrypt_active_sessions').addCallback((r) => r.observe(sessions, { transport: 'http' }));
    await instance.forceFlush();
    sessions = 1;
    await instance.forceFlush();
    const points = readJsonl(instance.files.metrics);
    const counter = points.filter((p) => p.name === 'enkrypt_tool_calls_total');
    expect(counter).toHaveLength(1); // unchanged series are not repeated
    expect(counter[0]).toMatchObject({ kind: 'counter', value: 3, attributes: { server: 'a', tool: 'echo' } });
    expect(points.find((p) => p.name === 'enkrypt_tool_call_duration_seconds')).toMatchObject({
      kind: 'histogram',
      unit: 's',
      count: 2,
      sum: 3.05,
      bucket_counts: [1, 0, 1],
      explicit_bounds: [0.1, 1],
    });
    expect(points.filter((p) => p.name === 'enkrypt_active_sessions').map((p) => p.value)).toEqual([4, 1]);
  });

  it('flushes on shutdown, is idempotent, and never writes to stdout', async () => {
    const stdout = vi.spyOn(process.stdout, 'write');
    const instance = await start();
    instance.logger('x').warn('before_shutdown');
    instance.meter('m').createCounter('c').add(1);
    const span = instance.tracer('t').startSpan('s');
    span.end();
    await Promise.all([instance.shutdown(), instance.shutdown()]);
    expect(readJsonl(instance.files.logs).map((l) => l.event)).toEqual(['before_shutdown']);
    expect(readJsonl(instance.files.spans).map((s) => s.name)).toEqual(['s']);
    expect(readJsonl(instance.files.metrics).map((m) => m.name)).toEqual(['c']);
    expect(stdout).not.toHaveBeenCalled();
  });

  it('resolves a relative directory against the config file folder and uses the configured file names', async () => {
    const dir = tempDir();
    const instance = (await jsonlProvider.create(
      await parse({ directory: 'out', logs_file: 'gateway.log.jsonl', url: 'ignored', service_name: 'x' }),
      testContext(dir),
    )) as JsonlProviderInstance;
    open.push(instance);
    expect(instance.files.logs).toBe(join(dir, 'out', 'gateway.log.jsonl'));
    expect(await instance.checkConnectivity?.(1000)).toMatchObject({ ok: true });
  });

  it('rejects bad config with the key that is wrong', async () => {
    await expect(parse({ directory: '' })).rejects.toThrow(/directory: must be a non-empty path/);
    await expect(parse({ logs_file: '../escape.jsonl' })).rejects.toThrow(/logs_file: must be a file name/);
    await expect(parse({ directory: 'x', extra_key: true, url: 'http://x' })).resolves.toMatchObject({ directory: 'x' });
  });
});

describe('toJsonLine', () => {
  it('serialises errors, bigints and cycles, and keeps shared references', async () => {
    const { toJsonLine } = await import('../src/file');
    const shared = { id: 1 };
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const line = JSON.parse(toJsonLine({ a: shared, b: shared, big: 10n, err: new RangeError('too far'), cyclic }));
    expect(line).toMatchObject({ a: { id: 1 }, b: { id: 1 }, big: '10', err: { type: 'RangeError', message: 'too far' } });
    expect(line.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
  });
});
