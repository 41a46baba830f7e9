// The standard OTEL_* variables, resolved by core and applied by the provider, against the real
// receiver: per-signal variables, a bad variable, samplers, exporters `none`, OTLP/JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, receiver, startFromConfig } from './helpers';

afterEach(cleanup);

/** One span, one log record and one counter, flushed. */
async function emitEach(instance: Awaited<ReturnType<typeof startFromConfig>>['instance'], tag: string): Promise<void> {
  instance.tracer('env').startSpan(`span ${tag}`).end();
  instance.logger('env').info(`log ${tag}`);
  instance.meter('env').createCounter(`counter_${tag}_total`).add(1);
  await instance.forceFlush();
}

describe('per-signal variables', () => {
  it('send each signal where its own variables say, over the general variable and the file', async () => {
    const general = await receiver();
    const tracesAt = await receiver();
    const logsAt = await receiver();
    const { instance, envWarnings } = await startFromConfig(
      { url: 'http://127.0.0.1:9', protocol: 'grpc' },
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: general.grpcUrl,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=general',
        // used as it is: a per-signal endpoint is the signal's exact URL
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${tracesAt.httpUrl}/v1/traces`,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=traces',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${logsAt.httpUrl}/v1/logs`,
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
      },
    );
    expect(envWarnings).toEqual([]);
    expect((await instance.checkConnectivity(2000)).ok).toBe(true);
    await emitEach(instance, 'split');
    await tracesAt.waitFor(() => tracesAt.spans.some((s) => s.name === 'span split'));
    await logsAt.waitFor(() => logsAt.logs.some((l) => l.body === 'log split'));
    await general.waitFor(() => general.metrics.some((m) => m.name === 'counter_split_total'));

    expect(general.spans).toEqual([]);
    expect(general.logs).toEqual([]);
    const sent = (r: typeof general, signal: string) => r.requests.filter((q) => q.signal === signal && q.items > 0);
    expect(sent(tracesAt, 'traces')[0]).toMatchObject({ transport: 'http', encoding: 'protobuf', headers: { 'x-tenant': 'traces' } });
    expect(sent(logsAt, 'logs')[0]).toMatchObject({ transport: 'http', encoding: 'json', headers: { 'x-tenant': 'general', 'content-encoding': 'gzip' } });
    expect(sent(general, 'metrics')[0]).toMatchObject({ transport: 'grpc', headers: { 'x-tenant': 'general' } });
  });
});

describe('a bad variable', () => {
  it('is ignored with one warning naming it; every other setting applies', async () => {
    const r = await receiver();
    const { instance, envWarnings, warnings } = await startFromConfig(
      { url: r.httpUrl, protocol: 'http/protobuf' },
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml', OTEL_SERVICE_NAME: 'svc-from-env', OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=t1', OTEL_SDK_DISABLED: 'yes' },
    );
    expect(envWarnings).toEqual([
      'OTEL_SDK_DISABLED: expected true or false, got "yes"',
      'OTEL_EXPORTER_OTLP_PROTOCOL: expected one of "grpc", "http/protobuf", "http/json", got "http/xml"',
    ]);
    expect((await instance.checkConnectivity(2000)).ok).toBe(true);
    await emitEach(instance, 'bad');
    await r.waitFor(() => r.spans.some((s) => s.name === 'span bad') && r.logs.some((l) => l.body === 'log bad'));
    expect(r.spans[0]!.resource['service.name']).toBe('svc-from-env');
    expect(r.requests.find((q) => q.items > 0)!.headers['x-tenant']).toBe('t1');
    expect(warnings).toEqual([]);
  });
});

describe('samplers and exporters', () => {
  it('OTEL_TRACES_SAMPLER=always_off exports no span; logs still carry nothing of them and arrive', async () => {
    const r = await receiver();
    const { instance } = await startFromConfig({ url: r.httpUrl, protocol: 'http/protobuf' }, { OTEL_TRACES_SAMPLER: 'always_off' });
    const tracer = instance.tracer('sampled');
    tracer.startActiveSpan('never sampled', (span) => {
      expect(span.isRecording()).toBe(false);
      instance.logger('sampled').info('inside an unsampled span');
      span.end();
    });
    await instance.forceFlush();
    await r.waitFor(() => r.logs.some((l) => l.body === 'inside an unsampled span'));
    expect(r.spans).toEqual([]);
    expect(instance.stats()).toMatchObject({ exportedSpans: 0, droppedSpans: 0 });
  });

  it('OTEL_TRACES_SAMPLER=traceidratio with OTEL_TRACES_SAMPLER_ARG=0 samples nothing, =1 everything', async () => {
    const none = await receiver();
    const off = await startFromConfig({ url: none.httpUrl, protocol: 'http/protobuf' }, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    for (let i = 0; i < 20; i += 1) off.instance.tracer('ratio').startSpan(`r${i}`).end();
    await off.instance.forceFlush();
    expect(off.instance.stats().exportedSpans).toBe(0);
    const all = await receiver();
    const on = await startFromConfig({ url: all.httpUrl, protocol: 'http/protobuf' }, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' });
    for (let i = 0; i < 20; i += 1) on.instance.tracer('ratio').startSpan(`r${i}`).end();
    await on.instance.forceFlush();
    await all.waitFor(() => all.spans.length === 20);
  });

  it.each(['traces', 'metrics', 'logs'] as const)('OTEL_%s_EXPORTER=none: that signal is not sent, the others are', async (signal) => {
    const r = await receiver();
    const { instance } = await startFromConfig({ url: r.httpUrl, protocol: 'http/protobuf' }, { [`OTEL_${signal.toUpperCase()}_EXPORTER`]: 'none' });
    await emitEach(instance, 'none');
    const got = { traces: () => r.spans.length > 0, metrics: () => r.metrics.some((m) => m.name === 'counter_none_total'), logs: () => r.logs.length > 0 };
    await r.waitFor(() => Object.entries(got).every(([name, has]) => name === signal || has()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got[signal]()).toBe(false);
    expect(r.requests.some((q) => q.signal === signal)).toBe(false);
  });

  it('all three none: no OTLP at all, the connectivity check says so, logs still mirror', async () => {
    const { instance, readLogs } = await startFromConfig({ url: 'http://127.0.0.1:9' }, { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
    expect(await instance.checkConnectivity(500)).toMatchObject({ ok: true });
    instance.logger('x').warn('still mirrored');
    await instance.forceFlush();
    expect(readLogs().some((l) => l.event === 'still mirrored')).toBe(true);
  });
});

describe('OTLP/JSON', () => {
  it('OTEL_EXPORTER_OTLP_PROTOCOL=http/json sends every signal as JSON, with content intact', async () => {
    const r = await receiver();
    const { instance } = await startFromConfig({ url: r.httpUrl }, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(await instance.checkConnectivity(2000)).toMatchObject({ ok: true });
    let traceId = '';
    instance.tracer('json').startActiveSpan('json span', { attributes: { 'gen_ai.tool.name': 'echo' } }, (span) => {
      traceId = span.spanContext().traceId;
      instance.logger('json').warn('json log', { api_key: 'sk-secret', n: 2 });
      span.end();
    });
    instance.meter('json').createCounter('json_total').add(3, { tool: 'echo' });
    await instance.forceFlush();
    await r.waitFor(() => r.spans.length > 0 && r.logs.length > 0 && r.metrics.some((m) => m.name === 'json_total'));
    expect(r.spans[0]).toMatchObject({ name: 'json span', traceId, attributes: { 'gen_ai.tool.name': 'echo' } });
    expect(r.logs[0]).toMatchObject({ body: 'json log', traceId, attributes: { api_key: '[REDACTED]', n: 2 } });
    expect(r.metrics.find((m) => m.name === 'json_total')).toMatchObject({ value: 3, attributes: { tool: 'echo' } });
    expect(new Set(r.requests.filter((q) => q.items > 0).map((q) => q.encoding))).toEqual(new Set(['json']));
  });
});

describe('limits and batches', () => {
  it('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT and OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT cut attributes', async () => {
    const r = await receiver();
    const { instance } = await startFromConfig({ url: r.httpUrl, protocol: 'http/protobuf' }, { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '2', OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '1' });
    instance.tracer('limits').startSpan('limited', { attributes: { a: 1, b: 2, c: 3 } }).end();
    instance.logger('limits').info('limited', { a: 1, b: 2 });
    await instance.forceFlush();
    await r.waitFor(() => r.spans.length > 0 && r.logs.length > 0);
    expect(Object.keys(r.spans[0]!.attributes)).toHaveLength(2);
    expect(Object.keys(r.logs[0]!.attributes)).toHaveLength(1);
  });

  it('OTEL_BLRP_MAX_QUEUE_SIZE bounds log records only; drops are counted', async () => {
    const r = await receiver({ behaviour: 'stall' });
    const { instance } = await startFromConfig({ url: r.httpUrl, protocol: 'http/protobuf', shutdown_timeout_ms: 500, export_timeout_ms: 500 }, { OTEL_BLRP_MAX_QUEUE_SIZE: '10' });
    for (let i = 0; i < 50; i += 1) {
      instance.tracer('q').startSpan(`s${i}`).end();
      instance.logger('q').info(`l${i}`);
    }
    expect(instance.stats().droppedSpans).toBe(0);
    expect(instance.stats().droppedLogRecords).toBe(40);
  });
});
