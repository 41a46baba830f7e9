import { describe, expect, it } from 'vitest';
import { idFromEdges, LineReader } from '../src/upstream-stdio';

function reader(max: number) {
  const lines: string[] = [];
  const oversized: { head: string; tail: string; bytes: number }[] = [];
  const r = new LineReader(max, (l) => lines.push(l.toString('utf8')), (o) => oversized.push(o));
  return { r, lines, oversized };
}

describe('the upstream line reader', () => {
  it('splits lines across chunks, several in one chunk too', () => {
    const { r, lines } = reader(100);
    r.push(Buffer.from('{"a":1}\n{"b"'));
    r.push(Buffer.from(':2}\n\n{"c":3}\n{"d'));
    r.push(Buffer.from('":4}\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}']);
  });

  it('drops a line over the limit as it streams, keeping its edges, and goes on with the next', () => {
    const { r, lines, oversized } = reader(1000);
    const big = `{"result":{"text":"${'x'.repeat(5000)}"},"jsonrpc":"2.0","id":7}`;
    for (let i = 0; i < big.length; i += 300) r.push(Buffer.from(big.slice(i, i + 300)));
    r.push(Buffer.from('\n{"ok":true}\n'));
    expect(lines).toEqual(['{"ok":true}']);
    expect(oversized).toHaveLength(1);
    expect(oversized[0]!.bytes).toBe(big.length);
    expect(idFromEdges(oversized[0]!.head, oversized[0]!.tail)).toBe(7);
  });

  it('reads the id where an envelope puts it, and nothing else', () => {
    expect(idFromEdges('{"result":', '…"jsonrpc":"2.0","id":"req-1"}')).toBe('req-1');
    expect(idFromEdges('{"jsonrpc":"2.0","id":12,"result":{', '…}}')).toBe(12);
    expect(idFromEdges('{"result":{"id":3', '…"id":{"x":1}}}')).toBeUndefined();
  });
});
