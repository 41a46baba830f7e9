import { afterEach, describe, expect, it } from 'vitest';
import { fileHarness, type Harness } from './helpers';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function logged(fields: Record<string, unknown>, config: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  h = await fileHarness(config);
  h.instance.logger('s').info('e', fields);
  const lines = await h.lines();
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('safe serialisation', () => {
  it('writes an Error with name, message, stack, extra properties and its cause chain', async () => {
    const root = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    class UpstreamError extends Error {
      override name = 'UpstreamError';
      status = 502;
    }
    const err = new UpstreamError('upstream failed', { cause: root });
    const line = await logged({ err });
    const out = line.err as Record<string, any>;
    expect(out.name).toBe('UpstreamError');
    expect(out.message).toBe('upstream failed');
    expect(out.stack).toContain('upstream failed');
    expect(out.stack).toContain('serialize.test.ts');
    expect(out.status).toBe(502);
    expect(out.cause).toMatchObject({ name: 'Error', message: 'socket hang up', code: 'ECONNRESET' });
    expect(out.cause.stack).toContain('socket hang up');
  });

  it('accepts an Error passed as the fields argument itself', async () => {
    h = await fileHarness();
    h.instance.logger('s').error('failed', new RangeError('out of range') as never);
    const [line] = await h.lines();
    expect(line!.err).toMatchObject({ name: 'RangeError', message: 'out of range' });
  });

  it('marks circular references instead of failing', async () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const list: unknown[] = [1];
    list.push(list);
    const shared = { x: 1 };
    const line = await logged({ a, list, twice: [shared, shared] });
    expect(line.a).toEqual({ name: 'a', self: '[Circular]' });
    expect(line.list).toEqual([1, '[Circular]']);
    // The same object twice (not a cycle) is written in full both times.
    expect(line.twice).toEqual([{ x: 1 }, { x: 1 }]);
  });

  it('handles BigInt, undefined, Symbols, functions, NaN/Infinity and Dates', async () => {
    const line = await logged({
      big: 12345678901234567890123n,
      gone: undefined,
      inList: [undefined, 1],
      sym: Symbol('tag'),
      fn: function handler() {},
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      when: new Date(Date.UTC(2026, 10, 24, 1, 2, 3, 4)),
      bad: new Date(Number.NaN),
      nil: null,
    });
    expect(line.big).toBe('12345678901234567890123');
    expect('gone' in line).toBe(false);
    expect(line.inList).toEqual([null, 1]);
    expect(line.sym).toBe('Symbol(tag)');
    expect(line.fn).toBe('[Function: handler]');
    expect(line.nan).toBe('NaN');
    expect(line.inf).toBe('Infinity');
    expect(line.when).toBe('2026-11-24T01:02:03.004Z');
    expect(line.bad).toBe('Invalid Date');
    expect(line.nil).toBeNull();
  });

  it('writes Maps as objects (or entry pairs), Sets as arrays, binary data as a summary', async () => {
    const line = await logged({
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, 'two'],
      ]),
      objKeys: new Map([[{ id: 1 }, 'x']]),
      set: new Set(['x', 'y']),
      buf: Buffer.from('hello'),
      re: /ab+c/i,
    });
    expect(line.map).toEqual({ a: 1, '2': 'two' });
    expect(line.objKeys).toEqual([[{ id: 1 }, 'x']]);
    expect(line.set).toEqual(['x', 'y']);
    expect(line.buf).toBe('[Buffer 5 bytes]');
    expect(line.re).toBe('/ab+c/i');
  });

  it('truncates very long strings with a marker (max_string_length)', async () => {
    const line = await logged({ big: 'x'.repeat(500), small: 'ok' }, { max_string_length: 100 });
    expect(line.big).toBe('x'.repeat(100) + '…[truncated 400 chars]');
    expect(line.small).toBe('ok');
  });

  it('truncates at 8192 characters by default', async () => {
    const line = await logged({ big: 'y'.repeat(10_000) });
    expect(line.big).toBe('y'.repeat(8192) + '…[truncated 1808 chars]');
  });

  it('survives getters and toJSON methods that throw, and uses toJSON when it works', async () => {
    const nasty = {
      ok: 1,
      get boom(): never {
        throw new Error('getter exploded');
      },
    };
    const line = await logged({
      nasty,
      custom: { toJSON: () => ({ shown: true }) },
      broken: {
        toJSON() {
          throw new Error('no');
        },
      },
    });
    expect(line.nasty).toEqual({ ok: 1, boom: '[Throws: Error: getter exploded]' });
    expect(line.custom).toEqual({ shown: true });
    expect(line.broken).toBe('[Unserialisable: Error: no]');
  });

  it('escapes quotes, newlines, control characters and lone surrogates into valid JSON', async () => {
    const tricky = 'say "hi"\n\tback\\slash \u0001 \ud800 emoji 😀';
    h = await fileHarness();
    h.instance.logger('s').info(tricky, { [tricky]: tricky });
    const text = await h.text();
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    const line = JSON.parse(text);
    expect(line.event).toBe(tricky);
    expect(line[tricky]).toBe(tricky);
  });

  it('cuts very deep nesting with a marker', async () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const line = await logged({ deep });
    expect(JSON.stringify(line.deep)).toContain('"[Object]"');
  });
});
