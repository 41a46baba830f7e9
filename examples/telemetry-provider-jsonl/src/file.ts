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

/** JSON.stringify that survives what log fields carry: errors, bigints, cycles. */
export function toJsonLine(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { type: v.name, message: v.message, stack: v.stack };
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
    }
    return v;
  });
}
