// Where the JSON log mirror goes: stderr (batched, capped), a file (synchronous appends) or nowhere.
// Hand-written: the SDK has no JSON-lines log sink (its ConsoleLogRecordExporter writes
// util.inspect output to stdout, the MCP channel).
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/** Where JSON lines go. */
export interface LineSink {
  write(line: string): void;
  /** Hands what is queued to the destination now. */
  flush(): void;
  /** Flushes; later lines are written unbatched (stderr) or not at all (a file). */
  close(): void;
  readonly description: string;
  /** Lines not written: the stream's buffer was over its cap (nobody reads stderr) or a write failed. */
  readonly dropped: number;
}

/**
 * Past this many bytes buffered in the stderr stream, mirror lines are dropped (and counted) until
 * it drains: on POSIX, Node buffers writes to a full pipe without bound, so a client that pipes
 * stderr and never reads it would otherwise grow the host's memory forever.
 */
export const MIRROR_MAX_BUFFERED_BYTES = 1024 * 1024;

export interface LineSinkOptions {
  /** Called once, on the first dropped line, with why (the caller reports it). */
  onFirstDrop?(reason: string): void;
  /** The stream behind `stderr` (default process.stderr). */
  stderr?: NodeJS.WritableStream & { readonly writableLength: number };
  /** Cap of bytes buffered in that stream (default MIRROR_MAX_BUFFERED_BYTES). */
  maxBufferedBytes?: number;
}

/** Mirror lines are gathered and written with one `write` once this many UTF-16 units are queued. */
const FLUSH_AT = 16 * 1024;

// One 'exit' listener for all stderr sinks (one per instance would trip MaxListenersExceededWarning):
// what is still queued is written synchronously, since no immediate runs after 'exit'.
const exitFlushers = new Set<() => void>();
let exiting = false;
function flushAllAtExit(): void {
  exiting = true;
  for (const flush of exitFlushers) flush();
}

function stderrSink(options: LineSinkOptions): LineSink {
  const stream = options.stderr ?? process.stderr;
  const cap = options.maxBufferedBytes ?? MIRROR_MAX_BUFFERED_BYTES;
  let dropped = 0;
  let paused = false;
  let closed = false;
  // Lines not yet handed to the stream: written on the next turn of the event loop (an unref'd
  // immediate, so it never keeps the process alive), when large, on flush/close, and at exit.
  let pending = '';
  let scheduled = false;
  const resume = (): void => {
    paused = false;
  };
  const drop = (): void => {
    dropped += 1;
    if (dropped === 1) options.onFirstDrop?.(`stderr is not being read: over ${cap} bytes are waiting in its buffer`);
  };
  const flush = (): void => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    try {
      stream.write(chunk);
    } catch {
      // a closed stderr must not crash the host
    }
  };
  const flushSoon = (): void => {
    scheduled = false;
    flush();
  };
  const flushAtExit = (): void => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    try {
      // fd 2 directly: a stream write may be asynchronous, and nothing asynchronous runs after 'exit'.
      if (stream === process.stderr) writeSync(2, chunk);
      else stream.write(chunk);
    } catch {
      // a closed stderr must not crash the host
    }
  };
  if (exitFlushers.size === 0) process.on('exit', flushAllAtExit);
  exitFlushers.add(flushAtExit);
  return {
    write: (line) => {
      try {
        if (paused) {
          // 'drain' ends the pause; an empty buffer too, should that event have been missed.
          if (stream.writableLength > 0) return drop();
          paused = false;
          stream.removeListener('drain', resume);
        }
        // The queued chunk counts against the cap too: it is about to join the stream's buffer.
        if (stream.writableLength + pending.length >= cap) {
          paused = true;
          stream.once('drain', resume);
          return drop();
        }
        pending += line;
        if (closed || exiting || pending.length >= FLUSH_AT) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flushSoon).unref();
        }
      } catch {
        // a closed stderr must not crash the host
      }
    },
    flush,
    close: () => {
      flush();
      closed = true;
      exitFlushers.delete(flushAtExit);
      if (exitFlushers.size === 0) process.removeListener('exit', flushAllAtExit);
      stream.removeListener('drain', resume);
    },
    description: 'stderr',
    get dropped() {
      return dropped;
    },
  };
}

/** `stderr`, `none`, or a file path (appended; relative to `baseDir`). Never stdout. */
export function createLineSink(spec: string, baseDir: string, options: LineSinkOptions = {}): LineSink {
  const lower = spec.toLowerCase();
  if (lower === 'none' || lower === 'off' || lower === 'false') {
    return { write: () => {}, flush: () => {}, close: () => {}, description: 'none', dropped: 0 };
  }
  if (lower === 'stderr') return stderrSink(options);
  if (lower === 'stdout' || lower === '/dev/stdout' || lower === '-') {
    throw new Error(
      'opentelemetry telemetry: plugins.telemetry.config.log_mirror cannot be stdout (it may carry the MCP protocol); ' +
        'use "stderr", "none" or a file path',
    );
  }
  const path = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'a');
  } catch (error) {
    throw new Error(
      `opentelemetry telemetry: cannot open the log mirror file ${path} (plugins.telemetry.config.log_mirror): ` +
        `${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  let dropped = 0;
  return {
    // Synchronous appends: a line is on disk when the call returns, also on a crash right after.
    // Nothing is buffered in memory, so no cap is needed here.
    write: (line) => {
      if (fd === undefined) return;
      try {
        writeSync(fd, line);
      } catch (error) {
        // disk full or closed: logging must not throw into the host
        dropped += 1;
        if (dropped === 1) {
          options.onFirstDrop?.(`cannot write to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
      }
    },
    flush: () => {},
    close: () => {
      if (fd === undefined) return;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      fd = undefined;
    },
    description: path,
    get dropped() {
      return dropped;
    },
  };
}
