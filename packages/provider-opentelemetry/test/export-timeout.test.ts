// The export deadline: 10000 ms by default (room for the backoff retries of a 429/503), set by
// export_timeout_ms, overridden by OTEL_BSP_EXPORT_TIMEOUT / OTEL_EXPORTER_OTLP_TIMEOUT.
import { afterEach, describe, expect, it } from 'vitest';
import type { OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { resolveExportTimeoutMs } from '../src/config';
import { configSchema } from '../src/index';
import { cleanup, receiver, start } from './helpers';

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
    expect(r.requests.filter((q) => q.signal === 'traces')).toHaveLength(1);
  });
});

it('OTEL_BSP_EXPORT_TIMEOUT from the environment overrides export_timeout_ms', async () => {
  const r = await receiver({ behaviour: 'stall' });
  const { instance, warnings } = await start(
    { url: r.httpUrl, protocol: 'http/protobuf' },
    { export_timeout_ms: 60_000, shutdown_timeout_ms: 1000 },
    { OTEL_BSP_EXPORT_TIMEOUT: '1500', OTEL_EXPORTER_OTLP_TIMEOUT: '30000' },
  );
  instance.tracer('stall').startSpan('never answered').end();
  await expect.poll(() => instance.stats().failedSpans, { timeout: 7000, interval: 100 }).toBe(1);
  await expect
    .poll(() => warnings.find((w) => w.includes('OTLP export failed') && w.includes('"signal":"traces"')), { timeout: 5000 })
    .toContain('"export_timeout_ms":1500');
});

describe('export deadline settings', () => {
  it('takes OTEL_BSP_EXPORT_TIMEOUT, else OTEL_EXPORTER_OTLP_TIMEOUT, else export_timeout_ms (default 10000)', async () => {
    expect((await configSchema['~standard'].validate({})).issues).toBeUndefined();
    expect(((await configSchema['~standard'].validate({})) as { value: { exportTimeoutMs: number } }).value.exportTimeoutMs).toBe(10_000);
    expect(resolveExportTimeoutMs(1000, {})).toBe(1000);
    expect(resolveExportTimeoutMs(2500, { OTEL_BSP_EXPORT_TIMEOUT: '' })).toBe(2500);
    expect(resolveExportTimeoutMs(2500, { OTEL_EXPORTER_OTLP_TIMEOUT: '700' })).toBe(700);
    expect(resolveExportTimeoutMs(2500, { OTEL_BSP_EXPORT_TIMEOUT: ' 300 ', OTEL_EXPORTER_OTLP_TIMEOUT: '700' })).toBe(300);
  });

  it('rejects a bad OTEL_EXPORTER_OTLP_TIMEOUT naming the variable', async () => {
    await expect(start({ url: 'http://127.0.0.1:4318' }, {}, { OTEL_EXPORTER_OTLP_TIMEOUT: '10s' })).rejects.toThrow(
      /environment variable OTEL_EXPORTER_OTLP_TIMEOUT must be an integer >= 1 \(milliseconds\), got "10s"/,
    );
  });
});
