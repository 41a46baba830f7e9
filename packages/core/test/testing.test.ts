import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineProvider, ensureContextManager, noopProvider, type ProviderInstance } from '../src/index';
import { createInMemoryProvider, describeProviderConformance, runProviderConformance } from '../src/testing/index';

const settings = { logLevel: 'INFO' } as never;

describe('createInMemoryProvider', () => {
  it('records finished spans with ids, parent/child, kind, attributes, status and events', async () => {
    ensureContextManager();
    const mem = createInMemoryProvider();
    const tracer = (await mem.provider.create({}, { settings } as never)).tracer('gw');
    tracer.startActiveSpan('tools/call echo', { kind: SpanKind.SERVER, attributes: { 'mcp.method.name': 'tools/call' } }, (server) => {
      tracer.startActiveSpan('guardrail.input', (child) => {
        child.addEvent('checked', { ok: true });
        child.recordException(new TypeError('bad'));
        child.setStatus({ code: SpanStatusCode.ERROR, message: 'blocked' });
        child.end();
      });
      server.end();
    });
    const [child, server] = mem.spans;
    expect(server).toMatchObject({ name: 'tools/call echo', kind: SpanKind.SERVER, attributes: { 'mcp.method.name': 'tools/call' }, parentSpanId: undefined, scope: 'gw' });
    expect(child).toMatchObject({ name: 'guardrail.input', kind: SpanKind.INTERNAL, traceId: server!.traceId, parentSpanId: server!.spanId, status: { code: SpanStatusCode.ERROR, message: 'blocked' } });
    expect(child!.events.map((e) => e.name)).toEqual(['checked', 'exception']);
    expect(child!.events[1]!.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'bad' });
    expect(server!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server!.spanId).toMatch(/^[0-9a-f]{16}$/);
    mem.reset();
    expect(mem.spans).toHaveLength(0);
  });

  it('records logs at or above the level with trace ids', async () => {
    ensureContextManager();
    const mem = createInMemoryProvider();
    const instance = await mem.provider.create({}, { settings } as never);
    const logger = instance.logger('l');
    logger.debug('hidden');
    instance.tracer('t').startActiveSpan('s', (span) => {
      logger.info('inside');
      span.end();
    });
    expect(mem.logs.map((r) => r.event)).toEqual(['inside']);
    expect(mem.logs[0]!.traceId).toBe(mem.spans[0]!.traceId);
    expect(mem.jsonLogs()[0]).toMatchObject({ level: 'INFO', logger: 'l', event: 'inside', trace_id: mem.spans[0]!.traceId });
  });
});

describe('conformance suite', () => {
  const mem = createInMemoryProvider();
  describeProviderConformance(mem.provider, { describe, it, harness: { readLogs: () => mem.jsonLogs() } });
  describeProviderConformance(noopProvider, { describe, it, harness: { readLogs: () => [], writesLogs: false } });

  it('fails a provider that breaks the contract, naming what is wrong', async () => {
    const leaky = defineProvider({
      meta: { name: 'leaky', version: 'one', core: '^9' },
      create: (_config, ctx): ProviderInstance => {
        const inner = noopProvider.create({}, ctx) as ProviderInstance;
        return {
          ...inner,
          logger: (name) => ({ ...inner.logger(name), name, info: () => void process.stdout.write('oops\n') }),
          shutdown: () => new Promise<void>(() => undefined),
        };
      },
    });
    const results = await runProviderConformance(leaky, { harness: { readLogs: () => [], writesLogs: false, deadlineMs: 100 } });
    const failed = Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.name, r.error?.message]));
    expect(failed['meta has name, version and a core range that accepts this core']).toMatch(/meta.version must be a semver version, got "one"/);
    expect(failed['forceFlush and shutdown are idempotent and finish within the deadline']).toMatch(/concurrent shutdown\(\) calls did not finish within 100 ms/);
    expect(failed['writes nothing to stdout when the host reserves it']).toMatch(/the provider wrote to stdout although stdoutReserved was true: "oops\\n/);
  });

  it('catches a provider that writes to file descriptor 1 directly, bypassing process.stdout', async () => {
    const fdWriter = defineProvider({
      meta: { name: 'fd-writer', version: '1.0.0', core: '^0.1.0' },
      create: (_config, ctx): ProviderInstance => {
        const inner = noopProvider.create({}, ctx) as ProviderInstance;
        return { ...inner, logger: (name) => ({ ...inner.logger(name), name, log: () => void writeSync(1, 'raw fd line\n') }) };
      },
    });
    const results = await runProviderConformance(fdWriter, { harness: { readLogs: () => [], writesLogs: false } });
    const stdoutCheck = results.find((r) => r.name === 'writes nothing to stdout when the host reserves it');
    expect(stdoutCheck?.ok).toBe(false);
    expect(stdoutCheck?.error?.message).toMatch(/raw fd line/);
  });
  it('runs the stdout check with harness.stdoutCheckConfig (default harness.config)', async () => {
    const byDestination = defineProvider({
      meta: { name: 'by-destination', version: '1.0.0', core: '^0.1.0' },
      create: (config: { destination?: string }, ctx): ProviderInstance => {
        const inner = noopProvider.create({}, ctx) as ProviderInstance;
        // Ignores stdoutReserved when told to log to stdout: the bug the option exists to catch.
        const log = (): void => void (config.destination === 'stdout' && process.stdout.write('record on stdout\n'));
        return { ...inner, logger: (name) => ({ ...inner.logger(name), name, log }) };
      },
    });
    const harness = { config: { destination: 'file' }, readLogs: () => [], writesLogs: false };
    const stdoutCheck = (results: { name: string; ok: boolean; error?: Error }[]) => results.find((r) => r.name === 'writes nothing to stdout when the host reserves it');
    const normal = await runProviderConformance(byDestination, { harness });
    expect(stdoutCheck(normal)?.ok).toBe(true);
    const dangerous = await runProviderConformance(byDestination, { harness: { ...harness, stdoutCheckConfig: { destination: 'stdout' } } });
    expect(stdoutCheck(dangerous)?.ok).toBe(false);
    expect(stdoutCheck(dangerous)?.error?.message).toMatch(/record on stdout/);
    // The other checks still run with harness.config.
    expect(dangerous.filter((r) => !r.ok).map((r) => r.name)).toEqual(['writes nothing to stdout when the host reserves it']);
  });
});
