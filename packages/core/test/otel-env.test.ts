// The OpenTelemetry SDK environment variables: precedence (per-signal > general > file > default),
// each bad one ignored with one warning, and parsed as the SDK's own helpers parse them.
import { afterEach, describe, expect, it } from 'vitest';
import { getBooleanFromEnv, getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { parseGatewayConfig, resolveTelemetrySettings, type ConfigIssue } from '../src/index';
import { EnvReader } from '../src/config/env';

function resolveWith(env: Record<string, string>, file: Record<string, unknown> = {}) {
  const warnings: ConfigIssue[] = [];
  const config = parseGatewayConfig({ plugins: { telemetry: { provider: 'opentelemetry', config: file } } });
  const settings = resolveTelemetrySettings(config, { env, cwd: '/run', configDir: '/etc/gw', onWarning: (w) => warnings.push(w) });
  return { settings, warnings };
}

describe('OTLP exporter variables', () => {
  it('keeps per-signal variables apart, over the general ones, over the file', () => {
    const { settings, warnings } = resolveWith(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://general:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'a=general,b=general',
        OTEL_EXPORTER_OTLP_TIMEOUT: '7000',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom/path',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=traces',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '900',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:4317',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_METRICS_INSECURE: 'true',
        OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: 'logs-ca.pem',
      },
      { url: 'http://file:4317', protocol: 'grpc', headers: { a: 'file', c: 'file' } },
    );
    expect(warnings).toEqual([]);
    expect(settings).toMatchObject({
      url: 'http://general:4318',
      protocol: 'http/json',
      headers: { a: 'general', b: 'general', c: 'file' },
      exportTimeoutMs: 7000,
      sources: { url: 'OTEL_EXPORTER_OTLP_ENDPOINT', protocol: 'OTEL_EXPORTER_OTLP_PROTOCOL', insecure: 'plugins.telemetry.config.insecure' },
    });
    expect(settings.otlpSignals.traces).toEqual({ url: 'http://traces:4318/custom/path', protocol: 'http/protobuf', headers: { b: 'traces' }, timeoutMs: 900 });
    expect(settings.otlpSignals.metrics).toEqual({ url: 'http://metrics:4317', protocol: 'grpc', insecure: true });
    expect(settings.otlpSignals.logs).toEqual({ compression: 'gzip', tls: { ca: '/run/logs-ca.pem' } });
  });

  it('names where the endpoint settings came from', () => {
    expect(resolveWith({}).settings.sources).toEqual({
      url: 'plugins.telemetry.config.url',
      protocol: 'plugins.telemetry.config.protocol',
      insecure: 'plugins.telemetry.config.insecure',
    });
  });

  it('ignores a bad per-signal variable only', () => {
    const { settings, warnings } = resolveWith({ OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'thrift', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:4318/v1/logs' });
    expect(warnings).toEqual([{ path: 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', message: 'expected one of "grpc", "http/protobuf", "http/json", got "thrift"' }]);
    expect(settings.otlpSignals.logs).toEqual({ url: 'http://logs:4318/v1/logs' });
  });

  it('reads the metric exporter preferences', () => {
    const { settings } = resolveWith({
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta',
      OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: 'base2_exponential_bucket_histogram',
    });
    expect(settings).toMatchObject({ metricTemporality: 'delta', metricHistogramAggregation: 'base2_exponential_bucket_histogram' });
  });
});

describe('exporter selection', () => {
  it('defaults to otlp for every signal, plus prometheus when the file asks for a port', () => {
    expect(resolveWith({}).settings.exporters).toEqual({ traces: ['otlp'], metrics: ['otlp'], logs: ['otlp'] });
    expect(resolveWith({}, { prometheus_port: 9100 }).settings).toMatchObject({ exporters: { metrics: ['otlp', 'prometheus'] }, prometheusPort: 9100 });
  });

  it('takes none, console and prometheus from OTEL_*_EXPORTER; the list replaces the default', () => {
    const { settings, warnings } = resolveWith({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'prometheus', OTEL_LOGS_EXPORTER: 'console, otlp' });
    expect(warnings).toEqual([]);
    expect(settings.exporters).toEqual({ traces: [], metrics: ['prometheus'], logs: ['console', 'otlp'] });
    expect(settings.prometheusPort).toBe(9464);
  });

  it('takes the Prometheus port and host from the environment; without prometheus listed, no endpoint', () => {
    expect(
      resolveWith({ OTEL_METRICS_EXPORTER: 'otlp,prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: '9999', OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' }).settings,
    ).toMatchObject({ prometheusPort: 9999, prometheusHost: '0.0.0.0' });
    expect(resolveWith({ OTEL_METRICS_EXPORTER: 'otlp' }, { prometheus_port: 9100 }).settings.prometheusPort).toBeUndefined();
  });

  it('ignores an exporter list naming an unsupported exporter, with one warning', () => {
    const { settings, warnings } = resolveWith({ OTEL_TRACES_EXPORTER: 'zipkin,otlp' });
    expect(settings.exporters.traces).toEqual(['otlp']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('"zipkin" not supported');
  });
});

describe('sampling, batching, limits', () => {
  it('takes every standard sampler and its argument', () => {
    for (const sampler of ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']) {
      expect(resolveWith({ OTEL_TRACES_SAMPLER: sampler.toUpperCase() }).settings.sampler).toBe(sampler);
    }
    expect(resolveWith({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).settings).toMatchObject({ sampler: 'traceidratio', samplingRatio: 0.25 });
    expect(resolveWith({}, { sampling_ratio: 0.5 }).settings).toMatchObject({ sampler: 'parentbased_traceidratio', samplingRatio: 0.5 });
    const remote = resolveWith({ OTEL_TRACES_SAMPLER: 'jaeger_remote' });
    expect(remote.settings.sampler).toBe('parentbased_traceidratio');
    expect(remote.warnings[0]!.message).toContain('not supported');
  });

  it('keeps OTEL_BSP_* for spans and OTEL_BLRP_* for logs, both over the file', () => {
    const { settings } = resolveWith(
      { OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_BSP_EXPORT_TIMEOUT: '3000', OTEL_BLRP_MAX_QUEUE_SIZE: '50', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '20' },
      { timeout_ms: 200, max_batch_size: 100, max_queue_size: 1000 },
    );
    expect(settings.batch).toEqual({ timeoutMs: 10, maxBatchSize: 100, maxQueueSize: 1000, exportTimeoutMs: 3000 });
    expect(settings.logBatch).toEqual({ timeoutMs: 200, maxBatchSize: 20, maxQueueSize: 50, exportTimeoutMs: undefined });
  });

  it('cuts a batch larger than its queue, with a warning', () => {
    const { settings, warnings } = resolveWith({ OTEL_BLRP_MAX_QUEUE_SIZE: '10' });
    expect(settings.logBatch).toMatchObject({ maxQueueSize: 10, maxBatchSize: 10 });
    expect(warnings.map((w) => w.path)).toEqual(['OTEL_BLRP_MAX_EXPORT_BATCH_SIZE']);
  });

  it('reads the metric export interval and timeout, and the attribute and span limits', () => {
    const { settings } = resolveWith({
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_METRIC_EXPORT_TIMEOUT: '500',
      OTEL_ATTRIBUTE_COUNT_LIMIT: '64',
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4096',
      OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '32',
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1024',
      OTEL_SPAN_EVENT_COUNT_LIMIT: '10',
      OTEL_SPAN_LINK_COUNT_LIMIT: '5',
      OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '8',
      OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '4',
      OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '16',
      OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: '256',
    });
    expect(settings).toMatchObject({ metricExportIntervalMs: 1000, metricExportTimeoutMs: 500 });
    expect(settings.limits).toEqual({
      attributeCountLimit: 64,
      attributeValueLengthLimit: 4096,
      spanAttributeCountLimit: 32,
      spanAttributeValueLengthLimit: 1024,
      spanEventCountLimit: 10,
      spanLinkCountLimit: 5,
      eventAttributeCountLimit: 8,
      linkAttributeCountLimit: 4,
      logRecordAttributeCountLimit: 16,
      logRecordAttributeValueLengthLimit: 256,
    });
  });

  it('discards OTEL_RESOURCE_ATTRIBUTES whole when an entry is malformed (as the specification asks)', () => {
    const { settings, warnings } = resolveWith({ OTEL_RESOURCE_ATTRIBUTES: 'team=a,broken,region=eu' }, { resource_attributes: { tier: 'gold' } });
    expect(settings.resourceAttributes).toEqual({ tier: 'gold' });
    expect(warnings.map((w) => w.path)).toEqual(['OTEL_RESOURCE_ATTRIBUTES']);
  });
});

describe('parsing agrees with the SDK helpers of @opentelemetry/core', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it.each(['100', ' 42 ', '', '   ', '1e3', '0x10', '-5', 'abc', '2.5'])('numbers: %j', (raw) => {
    process.env.OTEL_TEST_VALUE = raw;
    const sdk = getNumberFromEnv('OTEL_TEST_VALUE');
    const ours = new EnvReader({ OTEL_TEST_VALUE: raw }).number('OTEL_TEST_VALUE', -Infinity, Infinity);
    expect(ours).toBe(sdk);
  });

  it.each(['true', 'TRUE', ' false ', 'False', '', 'yes', '1'])('booleans: %j', (raw) => {
    process.env.OTEL_TEST_VALUE = raw;
    const reader = new EnvReader({ OTEL_TEST_VALUE: raw });
    // The SDK falls back to false for unset and unknown values; core reports unknown ones.
    expect(reader.bool('OTEL_TEST_VALUE') ?? false).toBe(getBooleanFromEnv('OTEL_TEST_VALUE'));
    expect(reader.issues.length > 0).toBe(!['true', 'false', ''].includes(raw.trim().toLowerCase()));
  });

  it.each(['a', ' a ', '', '  '])('strings: %j', (raw) => {
    process.env.OTEL_TEST_VALUE = raw;
    // The SDK keeps surrounding blanks of a string; core trims them (URLs, names, paths).
    expect(new EnvReader({ OTEL_TEST_VALUE: raw }).string('OTEL_TEST_VALUE')).toBe(getStringFromEnv('OTEL_TEST_VALUE')?.trim());
  });

  it.each(['otlp', 'otlp, console', ' ,otlp,,console ', ''])('lists: %j', (raw) => {
    process.env.OTEL_TEST_VALUE = raw;
    expect(new EnvReader({ OTEL_TEST_VALUE: raw }).list('OTEL_TEST_VALUE', ['otlp', 'console'])).toEqual(getStringListFromEnv('OTEL_TEST_VALUE'));
  });
});
