import type { LogFields, LogLevel } from '@secure-mcp-gateway/telemetry-core';
import { IsoClock, type Serializer } from './serialize';

/**
 * The record's own keys. Bound context and fields cannot overwrite them (docs/architecture.md,
 * core's formatLogRecord): such keys are left out of the line, so a caller's `{ level: 'DEBUG' }`
 * or `{ trace_id: '…' }` cannot make an ERROR read as DEBUG or tie it to another trace.
 */
export const RECORD_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'logger', 'event', 'trace_id', 'span_id']);

/** Level order used to index pre-rendered per-level text. */
export const LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

/**
 * Turns records into lines. Per logger, the level+name part (`head`) and the bound context
 * are rendered once, so a log call only renders its time, event and fields.
 */
export interface LineFormat {
  /** Rendered `level` + `logger` for each of LEVELS. */
  heads(logger: string): string[];
  /** Rendered bound context, appended after the event. */
  context(context: LogFields): string;
  line(
    time: number,
    head: string,
    event: string,
    context: string,
    fields: LogFields | undefined,
    traceId: string | undefined,
    spanId: string | undefined,
  ): string;
}

export class JsonFormat implements LineFormat {
  private readonly clock = new IsoClock();
  constructor(private readonly s: Serializer) {}

  heads(logger: string): string[] {
    const name = this.s.string(logger);
    return LEVELS.map((level) => ',"level":"' + level + '","logger":' + name);
  }

  context(context: LogFields): string {
    return this.s.members(context);
  }

  line(
    time: number,
    head: string,
    event: string,
    context: string,
    fields: LogFields | undefined,
    traceId: string | undefined,
    spanId: string | undefined,
  ): string {
    let out = '{"time":"' + this.clock.iso(time) + '"' + head + ',"event":' + this.s.string(event) + context;
    if (fields !== undefined) out += this.s.members(fields);
    if (traceId !== undefined) out += ',"trace_id":' + this.s.string(traceId);
    if (spanId !== undefined) out += ',"span_id":' + this.s.string(spanId);
    return out + '}\n';
  }
}

const RESET = '\u001b[0m';
const DIM = '\u001b[2m';
const BOLD = '\u001b[1m';
const CYAN = '\u001b[36m';
const LEVEL_COLOURS: Readonly<Record<LogLevel, string>> = {
  DEBUG: '\u001b[34m', // blue
  INFO: '\u001b[32m', // green
  WARNING: '\u001b[33m', // yellow
  ERROR: '\u001b[31m', // red
  CRITICAL: '\u001b[1;41;97m', // bold white on red
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/g;
// Values that read unambiguously without quotes.
const BARE = /^[\w.\-/:@+]+$/;

/**
 * `12:03:04.567 INFO    gateway.auth  user authenticated  user=alice transport=http trace_id=…`:
 * local time, padded level, logger, event, then key=value pairs; an Error's stack follows on
 * indented lines. Colours only when asked (TTY or FORCE_COLOR, and no NO_COLOR).
 */
export class PrettyFormat implements LineFormat {
  constructor(
    private readonly s: Serializer,
    private readonly colour: boolean,
  ) {}

  private paint(code: string, text: string): string {
    return this.colour ? code + text + RESET : text;
  }

  heads(logger: string): string[] {
    return LEVELS.map(
      (level) => this.paint(LEVEL_COLOURS[level], level.padEnd(8)) + ' ' + this.paint(CYAN, this.s.string(logger).slice(1, -1)),
    );
  }

  context(context: LogFields): string {
    return this.pairs(context).text;
  }

  line(
    time: number,
    head: string,
    event: string,
    context: string,
    fields: LogFields | undefined,
    traceId: string | undefined,
    spanId: string | undefined,
  ): string {
    let out = this.paint(DIM, clockTime(time)) + ' ' + head + ' ' + this.paint(BOLD, this.s.string(event).slice(1, -1)) + context;
    let stacks = '';
    if (fields !== undefined) {
      const rendered = this.pairs(fields);
      out += rendered.text;
      stacks = rendered.stacks;
    }
    if (traceId !== undefined) out += ' ' + this.paint(DIM, 'trace_id=' + this.text(traceId));
    if (spanId !== undefined) out += ' ' + this.paint(DIM, 'span_id=' + this.text(spanId));
    return out + '\n' + stacks;
  }

  /** A string as it is when it reads unambiguously, else JSON-quoted (escapes newlines and control characters). */
  private text(value: string): string {
    const json = this.s.string(value);
    const inner = json.slice(1, -1);
    return BARE.test(inner) ? inner : json;
  }

  private pairs(fields: LogFields): { text: string; stacks: string } {
    let text = '';
    let stacks = '';
    for (const key in fields) {
      if (!Object.prototype.hasOwnProperty.call(fields, key) || this.s.isReservedKey(key)) continue;
      const label = ' ' + this.paint(DIM, this.text(key) + '=');
      if (this.s.isSecretKey(key)) {
        text += label + this.s.redacted;
        continue;
      }
      let value: unknown;
      try {
        value = fields[key];
      } catch {
        text += label + '"[Throws]"';
        continue;
      }
      if (value === undefined) continue;
      if (typeof value === 'string') {
        text += label + this.text(value);
      } else if (value instanceof Error) {
        text += label + this.text(`${value.name}: ${value.message}`);
        stacks += this.stack(value);
      } else {
        text += label + this.s.value(value, 0, undefined);
      }
    }
    return { text, stacks };
  }

  private stack(error: Error): string {
    let out = '';
    let current: unknown = error;
    // The stack, then each cause's, as pino-pretty and Node's inspector show them.
    for (let depth = 0; current instanceof Error && depth < 5; depth++) {
      const stack = typeof current.stack === 'string' ? current.stack : `${current.name}: ${current.message}`;
      const cut = stack.length > this.s.maxStringLength ? this.s.truncate(stack) : stack;
      // Control characters (ANSI escapes included) are dropped so a message cannot repaint the terminal.
      const lines = cut.replace(CONTROL, '').split('\n');
      const prefix = depth === 0 ? '' : 'Caused by: ';
      out += lines.map((l, i) => '    ' + this.paint(DIM, (i === 0 ? prefix : '') + l)).join('\n') + '\n';
      current = current.cause;
    }
    return out;
  }
}

function clockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => (n < 10 ? '0' + n : '' + n);
  const m = d.getMilliseconds();
  return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds()) + '.' + (m < 10 ? '00' + m : m < 100 ? '0' + m : '' + m);
}
