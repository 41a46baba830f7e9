import { appendFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';

/**
 * An append-only JSON-lines file with an in-memory buffer: writes are cheap and
 * never block, `flush()` appends the buffer, `flushSync()` is for process exit.
 */
export class JsonlFile {
  private buffer: string[] = [];
  private pending: Promise<void> = Promise.resolve();
  dropped = 0;
  failures = 0;

  constructor(
    readonly path: string,
    private readonly maxQueue: number,
    private readonly batchSize: number,
    private readonly onError: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  write(line: string): void {
    if (this.buffer.length >= this.maxQueue) {
      this.dropped += 1;
      return;
    }
    this.buffer.push(line);
    if (this.buffer.length >= this.batchSize) void this.flush();
  }

  /** Appends what is buffered; resolves once every earlier flush has landed too. */
  flush(): Promise<void> {
    if (this.buffer.length > 0) {
      const chunk = this.buffer.join('\n') + '\n';
      this.buffer = [];
      this.pending = this.pending.then(() =>
        appendFile(this.path, chunk, 'utf8').catch((error: unknown) => {
          this.failures += 1;
          this.onError('telemetry-provider-jsonl: could not append to file', { path: this.path, error: String(error) });
        }),
      );
    }
    return this.pending;
  }

  flushSync(): void {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('\n') + '\n';
    this.buffer = [];
    try {
      appendFileSync(this.path, chunk, 'utf8');
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
