import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isatty } from 'node:tty';

/** Lines are gathered and written in one `writeSync` once this many UTF-16 units are queued. */
const FLUSH_AT = 16 * 1024;
/**
 * A non-blocking pipe that stays full this long (ms, by the clock) is given up on: the batch is
 * dropped, and later flushes try once without waiting until a write goes through again.
 */
const STALL_GIVE_UP_MS = 100;

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
  /** Set when a full pipe was given up on: flushes then drop rather than wait, until one goes through. */
  private stalled = false;
  /** The unwritten rest of a line a full pipe cut short; written first, so the stream stays line-parseable. */
  private tail: Buffer | undefined;
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
    nonBlockingIfPipe(1);
    return new FdSink(1, false, 'stdout', onError);
  }

  static stderr(onError: (message: string) => void): FdSink {
    nonBlockingIfPipe(2);
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
      throw new Error(`stdout provider: cannot open log file "${path}" for appending (${reason})`, { cause: error });
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
    // Once a full pipe has been given up on nothing waits for it: one try per flush until one goes through.
    let giveUpAt = this.stalled ? 0 : Number.NaN; // NaN: no wait begun in this flush
    let code: string | undefined;
    const send = (bytes: Buffer): number => {
      let offset = 0;
      while (offset < bytes.length) {
        try {
          offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
        } catch (error) {
          code = (error as NodeJS.ErrnoException).code ?? String(error);
          if (code !== 'EAGAIN') return offset;
          // A non-blocking pipe is full: wait briefly for the reader rather than lose lines at once.
          const now = performance.now();
          if (Number.isNaN(giveUpAt)) giveUpAt = now + STALL_GIVE_UP_MS;
          if (now >= giveUpAt) return offset;
          sleepMs(1);
        }
      }
      return offset;
    };

    if (this.tail !== undefined) {
      const done = send(this.tail);
      if (done < this.tail.length) {
        this.tail = this.tail.subarray(done);
        this.fail(lines, code);
        return;
      }
      this.tail = undefined;
      // That line was counted as dropped when it was cut; it is whole now.
      if (this.counters.droppedLines > 0) {
        this.counters.droppedLines--;
        this.counters.linesWritten++;
      }
    }
    const bytes = Buffer.from(data, 'utf8');
    const done = send(bytes);
    if (done === bytes.length) {
      this.counters.linesWritten += lines;
      this.stalled = false;
      return;
    }
    // Lines that went out whole count as written (exact for JSON; a multi-line pretty record may count
    // for more than one); the rest, the line cut short included, are dropped.
    let whole = 0;
    let end = -1;
    for (let nl = bytes.indexOf(10); nl !== -1 && nl < done; nl = bytes.indexOf(10, nl + 1)) {
      whole++;
      end = nl;
    }
    if (whole > lines) whole = lines;
    if (done > end + 1) {
      const nl = bytes.indexOf(10, done);
      // A copy, so the whole batch is not kept alive for its last line.
      this.tail = Buffer.from(bytes.subarray(done, nl === -1 ? bytes.length : nl + 1));
    }
    this.counters.linesWritten += whole;
    this.fail(lines - whole, code);
  }

  private fail(lines: number, code: string | undefined): void {
    this.counters.failedWrites++;
    this.counters.droppedLines += lines;
    if (code === 'EAGAIN') {
      if (this.stalled) return; // already reported for this stall
      this.stalled = true;
      this.onError(
        `${this.description} is not being read (pipe full for ${STALL_GIVE_UP_MS} ms): ` +
          'dropping log lines until it drains; stats().droppedLogRecords counts them',
      );
      return;
    }
    this.onError(`writing ${lines} log line(s) to ${this.description} failed (${code ?? 'unknown'}); they were dropped`);
  }
}

/**
 * A pipe or socket on fd 1/2 stays blocking until Node opens its own stream on it, and a blocking
 * pipe nobody reads would hang `writeSync` (and the host) for good. Opening process.stdout/stderr
 * makes it non-blocking, as any console.log would, so a full pipe answers EAGAIN and lines drop instead.
 */
function nonBlockingIfPipe(fd: 1 | 2): void {
  try {
    const stat = fstatSync(fd);
    if (!stat.isFIFO() && !stat.isSocket()) return;
    void (fd === 1 ? process.stdout : process.stderr);
  } catch {
    // no such fd or no stream for it: writes report their own errors
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
