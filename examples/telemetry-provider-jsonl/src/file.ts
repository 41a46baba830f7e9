import { appendFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';

/**
 * An append-only JSON-lines file with an in-memory buffer: writes are cheap and
 * never block, `flush()` appends the buffer, `flushSync()` is for process exit.
 *
 * `maxQueue` bounds every line not yet on disk, buffered or in an append still running,
 * so a disk slower than the writers costs dropped (and counted) lines, not unbounded memory.
 */
export class JsonlFile {
  private buffer: string[] = [];
  private pending: Promise<void> = Promise.resolve();
  /** Lines accepted but not yet appended: the buffer plus appends in flight. */
  private unwritten = 0;
  private closed = false;
  /** Lines refused: queue full, or written after `close()`. */
  dropped = 0;
  /** Of `dropped`, the lines written after `close()`. */
  droppedAfterClose = 0;
  failures = 0;

  constructor(
    readonly path: string,
    private readonly maxQueue: number,
    private readonly batchSize: number,
    private readonly onError: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  write(line: string): void {
    if (this.closed) {
      this.dropped += 1;
      this.droppedAfterClose += 1;
      return;
    }
    if (this.unwritten >= this.maxQueue) {
      this.dropped += 1;
      return;
    }
    this.buffer.push(line);
    this.unwritten += 1;
    if (this.buffer.length >= this.batchSize) void this.flush();
  }

  /** Appends what is buffered; resolves once every earlier flush has landed too. */
  flush(): Promise<void> {
    if (this.buffer.length > 0) {
      const lines = this.buffer;
      this.buffer = [];
      this.pending = this.pending.then(() =>
        appendFile(this.path, lines.join('\n') + '\n', 'utf8')
          .catch((error: unknown) => {
            this.failures += 1;
            this.onError('telemetry-provider-jsonl: could not append to file', { path: this.path, error: String(error) });
          })
          .finally(() => {
            this.unwritten -= lines.length;
          }),
      );
    }
    return this.pending;
  }

  /** Refuses (and counts) every later line, then appends what is buffered. */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  flushSync(): void {
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    this.unwritten -= lines.length;
    try {
      appendFileSync(this.path, lines.join('\n') + '\n', 'utf8');
    } catch {
      this.failures += 1;
    }
  }
}

/** JSON.stringify that survives what log fields carry: errors, bigints, cycles (shared references are fine). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(plain(value, new Set()));
}

function plain(value: unknown, ancestors: Set<object>): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[Circular]';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value; // Date and friends
  ancestors.add(value);
  try {
    if (value instanceof Error) {
      return { type: value.name, message: value.message, stack: value.stack, ...(plain({ ...value }, ancestors) as object) };
    }
    if (Array.isArray(value)) return value.map((item) => plain(item, ancestors));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = plain(item, ancestors);
    return out;
  } finally {
    ancestors.delete(value);
  }
}
