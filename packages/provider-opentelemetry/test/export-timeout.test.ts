// The export deadline: 10000 ms by default (room for the backoff retries of a 429/503), set by
// export_timeout_ms, overridden by OTEL_BSP_EXPORT_TIMEOUT / OTEL_EXPORTER_OTLP_(<SIGNAL>_)TIMEOUT.
import { afterEach, describe, expect, it } from 'vitest';
import type { OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { configSchema } from '../src/index';
import { cleanup, receiver, start, startFromConfig } from './helpers';

afterEach(cleanup);

describe.each(['http/protobuf', 'grpc'] as const)('export deadline over %s', (protocol) => {
  const urlOf = (r: OtlpReceiver) => (protocol === 'grpc' ? r.grpcUrl : r.httpUrl);

  it('gives up on an export the receiver never answers after export_timeout_ms', async () => {
    const r = await receiver({ behaviour: 'stall' });
    const { instance, warnings } = await start({ url: urlOf(r), protocol }, { export_timeout_ms: 1000, shutdown_timeout_ms: 1000 });
    instance.tracer('stall').startSpan('never answered').end();
    // Well before the 10 s default: the stalled batch is failed and counted, and the warning names the deadline.
    await expect.poll(() => instance.stats().failedSpans, { timeout: 6000, interval: 100 }).toBe(1);
    await expect
      .poll(() => warnings.find((w) => w.includes('OTLP export failed') && w.includes('"signal":"traces"')), { timeout: 5000 })
      .toContain('"export_timeout_ms":1000');
    // One export of the span, not retried (the empty exports of the probe that explains the failure aside).
    expect(r.requests.filter((q) => q.signal === 'traces' && q.bytes > 0)).toHaveLength(1);
  });
});

it('OTEL_BSP_EXPORT_TIMEOUT from the environment overrides export_timeout_ms', async () => {
  const r = await receiver({ behaviour: 'stall' });
  const { instance, warnings } = await startFromConfig(
    { url: r.httpUrl, protocol: 'http/protobuf', export_timeout_ms: 60_000, shutdown_timeout_ms: 1000 },
    { OTEL_BSP_EXPORT_TIMEOUT: '1500', OTEL_EXPORTER_OTLP_TIMEOUT: '30000' },
  );
  instance.tracer('stall').startSpan('never answered').end();
  await expect.poll(() => instance.stats().failedSpans, { timeout: 7000, interval: 100 }).toBe(1);
  await expect
    .poll(() => warnings.find((w) => w.includes('OTLP export failed') && w.includes('"signal":"traces"')), { timeout: 5000 })
    .toContain('"export_timeout_ms":1500');
});

it('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT bounds the trace exporter over the general variable and the file', async () => {
  const r = await receiver({ behaviour: 'stall' });
  const { instance, warnings } = await startFromConfig(
    { url: r.grpcUrl, protocol: 'grpc', export_timeout_ms: 60_000, shutdown_timeout_ms: 1000 },
    { OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '800', OTEL_EXPORTER_OTLP_TIMEOUT: '30000' },
  );
  instance.tracer('stall').startSpan('never answered').end();
  await expect.poll(() => instance.stats().failedSpans, { timeout: 7000, interval: 100 }).toBe(1);
  await expect
    .poll(() => warnings.find((w) => w.includes('OTLP export failed') && w.includes('"signal":"traces"')), { timeout: 5000 })
    .toContain('"export_timeout_ms":800');
});

describe('export deadline settings', () => {
  it('defaults to 10000 ms', async () => {
    expect((await configSchema['~standard'].validate({})).issues).toBeUndefined();
    expect(((await configSchema['~standard'].validate({})) as { value: { exportTimeoutMs: number } }).value.exportTimeoutMs).toBe(10_000);
  });

  it('a bad OTEL_EXPORTER_OTLP_TIMEOUT is ignored with one warning naming it; export_timeout_ms applies', async () => {
    const r = await receiver({ behaviour: 'stall' });
    const { instance, envWarnings, warnings } = await startFromConfig(
      { url: r.httpUrl, protocol: 'http/protobuf', export_timeout_ms: 1000, shutdown_timeout_ms: 1000 },
      { OTEL_EXPORTER_OTLP_TIMEOUT: '10s' },
    );
    expect(envWarnings).toEqual(['OTEL_EXPORTER_OTLP_TIMEOUT: expected an integer >= 1, got "10s"']);
    instance.tracer('stall').startSpan('never answered').end();
    await expect.poll(() => instance.stats().failedSpans, { timeout: 7000, interval: 100 }).toBe(1);
    await expect.poll(() => warnings.find((w) => w.includes('OTLP export failed')), { timeout: 5000 }).toContain('"export_timeout_ms":1000');
  });
});
