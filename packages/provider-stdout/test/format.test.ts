import { context, trace, TraceFlags } from '@opentelemetry/api';
import { ensureContextManager } from '@secure-mcp-gateway/telemetry-core';
import { afterEach, describe, expect, it } from 'vitest';
import { fileHarness, type Harness } from './helpers';

const ANSI = /\u001b\[[0-9;]*m/;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('JSON lines (default format)', () => {
  it('writes one object per line: time, level, logger, event, bound context, fields, in that order', async () => {
    h = await fileHarness();
    const log = h.instance.logger('gateway.auth').child({ session: 's-1' }).child({ transport: 'http' });
    log.info('user authenticated', { user: 'alice', attempts: 2, ok: true });
    log.warn('slow upstream', { ms: 1234.5 });
    const text = await h.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(Object.keys(first)).toEqual(['time', 'level', 'logger', 'event', 'session', 'transport', 'user', 'attempts', 'ok']);
    expect(first).toMatchObject({
      level: 'INFO',
      logger: 'gateway.auth',
      event: 'user authenticated',
      session: 's-1',
      transport: 'http',
      user: 'alice',
      attempts: 2,
      ok: true,
    });
    expect(new Date(first.time).toISOString()).toBe(first.time);
    expect(Math.abs(Date.parse(first.time) - Date.now())).toBeLessThan(60_000);
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'WARNING', event: 'slow upstream', ms: 1234.5 });
    expect(first.trace_id).toBeUndefined();
  });

  it('adds trace_id and span_id of the span active when the record is written', async () => {
    ensureContextManager();
    h = await fileHarness();
    const log = h.instance.logger('traced');
    const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
    const active = trace.setSpanContext(context.active(), spanContext);
    await context.with(active, async () => {
      await Promise.resolve();
      log.info('inside', { n: 1 });
    });
    log.info('outside');
    const [inside, outside] = await h.lines();
    expect(Object.keys(inside!).slice(-2)).toEqual(['trace_id', 'span_id']);
    expect(inside).toMatchObject({ event: 'inside', n: 1, trace_id: spanContext.traceId, span_id: spanContext.spanId });
    expect(outside!.trace_id).toBeUndefined();
    expect(outside!.span_id).toBeUndefined();
  });

  it('child bindings merge over the parent and fields over bindings (last wins, as the spec spreads them)', async () => {
    h = await fileHarness();
    const log = h.instance.logger('a').child({ k: 'parent', p: 1 }).child({ k: 'child' });
    log.error('e', { p: 2 });
    const [line] = await h.lines();
    expect(line).toMatchObject({ k: 'child', p: 2, logger: 'a', level: 'ERROR' });
  });

  it('writes every level name as the Python gateway spells it, and log(level) works', async () => {
    h = await fileHarness();
    const log = h.instance.logger('l');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.critical('c');
    log.log('WARNING', 'lw');
    expect((await h.lines()).map((l) => l.level)).toEqual(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'WARNING']);
  });

  it('emit() writes a replayed record with its own time and trace ids', async () => {
    h = await fileHarness();
    const time = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    h.instance.emit!({
      time,
      level: 'ERROR',
      event: 'before init',
      logger: 'boot',
      context: { phase: 'config' },
      fields: { n: 1 },
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    });
    const [line] = await h.lines();
    expect(line).toEqual({
      time: '2026-01-02T03:04:05.006Z',
      level: 'ERROR',
      logger: 'boot',
      event: 'before init',
      phase: 'config',
      n: 1,
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
    });
  });

  it('format "auto" writes JSON when the destination is not a terminal', async () => {
    h = await fileHarness({ format: 'auto' }, { env: { FORCE_COLOR: '1' } });
    h.instance.logger('x').info('hello');
    const [line] = await h.lines();
    expect(line).toMatchObject({ event: 'hello' });
  });
});

describe('pretty format', () => {
  it('is one readable line: time, level, logger, event, key=value; no colour off a terminal', async () => {
    h = await fileHarness({ format: 'pretty' });
    h.instance.logger('gateway.auth').child({ session: 's-1' }).info('user authenticated', {
      user: 'alice',
      note: 'two words',
      nested: { a: 1 },
      api_key: 'sk-123',
    });
    const text = await h.text();
    expect(text).not.toMatch(ANSI);
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
    expect(text).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO +gateway\.auth user authenticated session=s-1 user=alice note="two words" nested=\{"a":1\} api_key=\[REDACTED\]\n$/,
    );
    expect(text).not.toContain('sk-123');
  });

  it('is coloured when colour is forced, and NO_COLOR wins over FORCE_COLOR', async () => {
    h = await fileHarness({ format: 'pretty' }, { env: { FORCE_COLOR: '1' } });
    h.instance.logger('c').error('boom', { code: 7 });
    const coloured = await h.text();
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\u001b[31m'); // ERROR in red
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/ERROR +c boom code=7\n$/);
    await h.close();

    h = await fileHarness({ format: 'pretty' }, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    h.instance.logger('c').error('boom');
    expect(await h.text()).not.toMatch(ANSI);
  });

  it('shows an Error as name: message with its stack and cause on the following lines', async () => {
    h = await fileHarness({ format: 'pretty' });
    const err = new TypeError('bad input', { cause: new Error('root cause') });
    h.instance.logger('p').error('failed', { err });
    const text = await h.text();
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/failed err="TypeError: bad input"$/);
    expect(lines[1]).toBe('    TypeError: bad input');
    expect(lines.some((l) => l.startsWith('    Caused by: Error: root cause'))).toBe(true);
    expect(lines.slice(1).every((l) => l.startsWith('    '))).toBe(true);
  });

  it('escapes control characters so a value cannot forge a line or repaint the terminal', async () => {
    h = await fileHarness({ format: 'pretty' });
    h.instance.logger('p').info('evil\nINFO fake line', { v: 'a\u001b[31mred' });
    const text = await h.text();
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
    expect(text).not.toMatch(ANSI);
  });
});

// The record's own keys are the record's: bound context and fields cannot forge them (core's formatLogRecord rule).
describe('record keys cannot be overwritten by context or fields', () => {
  const RECORD_KEYS = ['time', 'level', 'logger', 'event', 'trace_id', 'span_id'];
  const spoof = { time: 'x', level: 'DEBUG', logger: 'fake', event: 'spoof', trace_id: 'zzz', span_id: 'yyy' };

  /** Every member name in a JSON text, duplicates included (JSON.parse would keep only the last). */
  const topLevelKeys = (line: string): string[] =>
    [...line.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);

  it('JSON: a child binding and fields named like record keys are left out, once each key', async () => {
    h = await fileHarness({ format: 'json' });
    h.instance.logger('gateway').child(spoof).error('real error', { ...spoof, kept: 1 });
    const text = await h.text();
    const [raw] = text.trimEnd().split('\n');
    const keys = topLevelKeys(raw!);
    expect(keys.sort()).toEqual(['event', 'kept', 'level', 'logger', 'time']);
    const line = JSON.parse(raw!);
    expect(line).toMatchObject({ level: 'ERROR', logger: 'gateway', event: 'real error', kept: 1 });
    expect(new Date(line.time).toISOString()).toBe(line.time);
    expect(line.trace_id).toBeUndefined();
    expect(line.span_id).toBeUndefined();
  });

  it('JSON: the real trace ids win over fields and context; other keys still pass', async () => {
    ensureContextManager();
    h = await fileHarness({ format: 'json' });
    const log = h.instance.logger('traced').child({ trace_id: 'ctx', session: 's-1' });
    const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
    context.with(trace.setSpanContext(context.active(), spanContext), () => log.warn('inside', { span_id: 'fake', n: 2 }));
    const [raw] = (await h.text()).trimEnd().split('\n');
    expect(topLevelKeys(raw!).filter((k) => RECORD_KEYS.includes(k)).sort()).toEqual(
      ['event', 'level', 'logger', 'span_id', 'time', 'trace_id'],
    );
    expect(JSON.parse(raw!)).toMatchObject({
      level: 'WARNING',
      event: 'inside',
      session: 's-1',
      n: 2,
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
    });
  });

  it('JSON: emit() of a replayed record applies the same rule to its context and fields', async () => {
    h = await fileHarness({ format: 'json' });
    h.instance.emit!({ time: Date.UTC(2026, 0, 1), level: 'ERROR', event: 'real', logger: 'boot', context: spoof, fields: spoof });
    const [raw] = (await h.text()).trimEnd().split('\n');
    expect(topLevelKeys(raw!).sort()).toEqual(['event', 'level', 'logger', 'time']);
    expect(JSON.parse(raw!)).toEqual({ time: '2026-01-01T00:00:00.000Z', level: 'ERROR', logger: 'boot', event: 'real' });
  });

  it('pretty: no key=value pair named like a record key', async () => {
    h = await fileHarness({ format: 'pretty' });
    h.instance.logger('gateway').child(spoof).error('real error', { ...spoof, kept: 1 });
    const text = await h.text();
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR +gateway real error kept=1\n$/);
  });
});
