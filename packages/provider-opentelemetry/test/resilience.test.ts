// The host is never hurt: failures are retried, counted and reported once; nothing blocks.
import { afterEach, describe, expect, it } from 'vitest';
import type { OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { cleanup, receiver, start } from './helpers';

afterEach(cleanup);

describe.each(['http/protobuf', 'grpc'] as const)('resilience over %s', (protocol) => {
  const urlOf = (r: OtlpReceiver) => (protocol === 'grpc' ? r.grpcUrl : r.httpUrl);

  it('retries exports the receiver answers with 503/UNAVAILABLE and 429/RESOURCE_EXHAUSTED', async () => {
    const r = await receiver({ behaviour: 'unavailable' });
    // Default settings: a 503/429 must be retried without any tuning.
    const { instance } = await start({ url: urlOf(r), protocol });
    const tracer = instance.tracer('retry');

    tracer.startSpan('sent while unavailable').end();
    await r.waitFor(() => r.requests.some((q) => q.signal === 'traces' && q.behaviour === 'unavailable'));
    r.setBehaviour('ok');
    await r.waitFor(() => r.spans.some((s) => s.name === 'sent while unavailable'));

    r.setBehaviour('throttle');
    tracer.startSpan('sent while throttled').end();
    await r.waitFor(() => r.requests.some((q) => q.signal === 'traces' && q.behaviour === 'throttle'));
    r.setBehaviour('ok');
    await r.waitFor(() => r.spans.some((s) => s.name === 'sent while throttled'));

    // the receiver stores a batch a moment before the exporter hears back
    await expect.poll(() => instance.stats().exportedSpans, { timeout: 5000, interval: 50 }).toBe(2);
    expect(instance.stats()).toMatchObject({ failedExports: 0, droppedSpans: 0 });
  });

  it('keeps running while the receiver is down, and exports again once it is back on the same port', async () => {
    const first = await receiver();
    const { instance, warnings } = await start({ url: urlOf(first), protocol }, { export_timeout_ms: 1500 });
    const tracer = instance.tracer('outage');
    const logger = instance.logger('outage');

    tracer.startSpan('before outage').end();
    await first.waitFor(() => first.spans.some((s) => s.name === 'before outage'));

    await first.close();
    for (let i = 0; i < 20; i += 1) {
      tracer.startSpan(`during outage ${i}`).end();
      logger.error('during outage', { i });
    }
    // Nothing throws; the failure is reported (rate-limited) once the export gives up.
    await expect.poll(() => instance.stats().failedSpans, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0);
    await expect.poll(() => warnings.filter((w) => w.includes('OTLP export failed') && w.includes('"signal":"traces"')).length, { timeout: 5000 }).toBe(1);
    expect(warnings.find((w) => w.includes('OTLP export failed'))).toMatch(/refused/);
    expect(warnings.join('\n')).toContain(protocol === 'grpc' ? first.grpcUrl.replace('http://', '') : first.httpUrl.replace('http://', ''));

    const second = await receiver({ ports: { grpc: first.grpcPort, http: first.httpPort } });
    tracer.startSpan('after outage').end();
    logger.info('after outage');
    await second.waitFor(() => second.spans.some((s) => s.name === 'after outage') && second.logs.some((l) => l.body === 'after outage'), 15_000);
    const stats = instance.stats();
    // every span is accounted for: exported, failed or dropped
    expect(stats.exportedSpans + stats.failedSpans + stats.droppedSpans + stats.queuedSpans).toBeGreaterThanOrEqual(21);
  });

  it('a stalled receiver never blocks emitting calls; drops are counted; shutdown keeps its deadline', async () => {
    const r = await receiver({ behaviour: 'stall' });
    const { instance, warnings } = await start(
      { url: urlOf(r), protocol, batch: { timeoutMs: 50, maxBatchSize: 20, maxQueueSize: 100 }, prometheusPort: 0 },
      { export_timeout_ms: 1000, shutdown_timeout_ms: 1000 },
    );
    const tracer = instance.tracer('stall');
    const logger = instance.logger('stall');
    for (let i = 0; i < 500; i += 1) {
      tracer.startSpan(`stalled ${i}`).end();
      logger.info('stalled', { i });
    }
    // At most 100 queued plus one batch of 20 in flight; the rest was dropped and counted, with one warning per signal.
    expect(instance.stats().droppedSpans).toBeGreaterThanOrEqual(500 - 100 - 20);
    expect(instance.stats().droppedLogRecords).toBeGreaterThanOrEqual(500 - 100 - 20);
    expect(warnings.filter((w) => w.includes('queue full') && w.includes('"signal":"traces"'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('queue full') && w.includes('"signal":"logs"'))).toHaveLength(1);
    await r.waitFor(() => r.requests.some((q) => q.behaviour === 'stall'));
    // ...and as a self-metric
    const scrape = await (await fetch(`http://127.0.0.1:${instance.prometheusPort}/metrics`)).text();
    const dropped = /^enkrypt_telemetry_dropped_total\{signal="traces",reason="queue_full"[^}]*\} (\d+)$/m.exec(scrape);
    expect(Number(dropped?.[1])).toBe(instance.stats().droppedSpans);

    const started = Date.now();
    await instance.shutdown();
    expect(Date.now() - started).toBeLessThan(1000 + 2000);
    // Once shutdown returns, every span is counted: exported, failed or dropped.
    const stats = instance.stats();
    expect(stats.exportedSpans + stats.failedSpans + stats.droppedSpans).toBe(500);
    expect(stats.exportedLogRecords + stats.failedLogRecords + stats.droppedLogRecords).toBe(500);
    expect(r.spans).toEqual([]);
  });
});

