import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isatty } from 'node:tty';

/** Lines are gathered and written in one `writeSync` once this many UTF-16 units are queued. */
const FLUSH_AT = 16 * 1024;
/** A non-blocking pipe that stays full this long (ms) makes us drop the batch rather than hang. */
const EAGAIN_GIVE_UP_MS = 2000;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

export interface SinkCounters {
  linesWritten: number;
  droppedLines: number;
  failedWrites: number;
}

/**
 * A synchronous, batching writer to a file descriptor (the SonicBoom idea, smaller):
 * lines queue in a string and go out in one `fs.writeSync` when the queue is large, on the
 * next turn of the event loop (an unref'd immediate, so it never keeps the process alive),
 * on `flush()`, and at process exit. On a TTY every line is written at once, so a developer
 * sees logs interleaved correctly with other terminal output.
 */
export class FdSink {
  readonly isTTY: boolean;
  readonly counters: SinkCounters = { linesWritten: 0, droppedLines: 0, failedWrites: 0 };
  private buffer = '';
  private queued = 0;
  private scheduled = false;
  private closed = false;
  private readonly flushSoon = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
    readonly description: string,
    private readonly onError: (message: string) => void,
  ) {
    this.isTTY = isatty(fd);
    register(this);
  }

  static stdout(onError: (message: string) => void): FdSink {
    return new FdSink(1, false, 'stdout', onError);
  }

  static stderr(onError: (message: string) => void): FdSink {
    return new FdSink(2, false, 'stderr', onError);
  }

  /** Opens (creating folders and the file as needed) `path` for appending. Throws a clear error when it cannot. */
  static file(path: string, onError: (message: string) => void): FdSink {
    let fd: number;
    try {
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(path, 'a');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`stdout provider: cannot open log file "${path}" for appending (${reason})`);
    }
    return new FdSink(fd, true, path, onError);
  }

  write(line: string): void {
    if (this.closed) {
      // After shutdown stdout/stderr still work (unbuffered); a closed file drops.
      if (this.ownsFd) {
        this.counters.droppedLines++;
        return;
      }
      this.writeAll(line, 1);
      return;
    }
    this.buffer += line;
    this.queued++;
    if (this.isTTY || exiting || this.buffer.length >= FLUSH_AT) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon).unref();
    }
  }

  /** Writes everything queued, synchronously. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const data = this.buffer;
    const lines = this.queued;
    this.buffer = '';
    this.queued = 0;
    this.writeAll(data, lines);
  }

  /** Flushes, and closes the file it opened (never fd 1 or 2). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    unregister(this);
    if (this.ownsFd) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed: nothing left to release
      }
    }
  }

  private writeAll(data: string, lines: number): void {
    const bytes = Buffer.from(data, 'utf8');
    let offset = 0;
    let waitedMs = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && waitedMs < EAGAIN_GIVE_UP_MS) {
          // A non-blocking pipe is full: wait for the reader rather than lose lines.
          sleepMs(1);
          waitedMs++;
          continue;
        }
        this.counters.failedWrites++;
        this.counters.droppedLines += lines;
        this.onError(
          `writing ${lines} log line(s) to ${this.description} failed (${code ?? String(error)}); they were dropped`,
        );
        return;
      }
    }
    this.counters.linesWritten += lines;
  }
}

// One 'exit' listener for all sinks: a listener per instance would trip MaxListenersExceededWarning.
const live = new Set<FdSink>();
// Set once 'exit' has begun: later 'exit' listeners may still log, and no immediate will run for them.
let exiting = false;
function flushAllAtExit(): void {
  exiting = true;
  for (const sink of live) sink.flush();
}
function register(sink: FdSink): void {
  if (live.size === 0) process.on('exit', flushAllAtExit);
  live.add(sink);
}
function unregister(sink: FdSink): void {
  live.delete(sink);
  if (live.size === 0) process.removeListener('exit', flushAllAtExit);
}
