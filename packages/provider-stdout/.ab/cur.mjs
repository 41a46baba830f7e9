// .ab/cur/src/provider.ts
import { isAbsolute, resolve } from "node:path";
import { ProxyTracerProvider, createNoopMeter } from "@opentelemetry/api";
import {
  LOG_LEVEL_SEVERITY,
  REDACTED,
  activeTraceIds,
  defineProvider,
  isSecretKey,
  parseLogLevel
} from "@secure-mcp-gateway/telemetry-core";

// .ab/cur/src/config.ts
var DEFAULT_MAX_STRING_LENGTH = 8192;
var FORMATS = ["json", "pretty", "auto"];
function describe(value) {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a ${typeof value}`;
}
function parseStdoutConfig(input) {
  if (input === void 0 || input === null) {
    return { value: { format: "auto", destination: "stdout", maxStringLength: DEFAULT_MAX_STRING_LENGTH } };
  }
  if (typeof input !== "object" || Array.isArray(input)) {
    return { issues: [{ message: `plugins.telemetry.config must be an object, got ${describe(input)}`, path: [] }] };
  }
  const raw = input;
  const issues = [];
  let format = "auto";
  if (raw.format !== void 0) {
    if (typeof raw.format === "string" && FORMATS.includes(raw.format.toLowerCase())) {
      format = raw.format.toLowerCase();
    } else {
      issues.push({ path: ["format"], message: `must be one of "json", "pretty", "auto"; got ${describe(raw.format)}` });
    }
  }
  let destination = "stdout";
  if (raw.destination !== void 0) {
    if (typeof raw.destination === "string" && raw.destination.trim().length > 0) {
      destination = raw.destination.trim();
    } else {
      issues.push({
        path: ["destination"],
        message: `must be "stdout", "stderr" or a file path; got ${describe(raw.destination)}`
      });
    }
  }
  let maxStringLength = DEFAULT_MAX_STRING_LENGTH;
  if (raw.max_string_length !== void 0) {
    const n = raw.max_string_length;
    if (typeof n === "number" && Number.isInteger(n) && n >= 16) {
      maxStringLength = n;
    } else {
      issues.push({ path: ["max_string_length"], message: `must be an integer >= 16; got ${describe(n)}` });
    }
  }
  if (issues.length > 0) return { issues };
  return { value: { format, destination, maxStringLength } };
}
var stdoutConfigSchema = {
  "~standard": {
    version: 1,
    vendor: "secure-mcp-gateway",
    validate: parseStdoutConfig
  }
};

// .ab/cur/src/serialize.ts
var MAX_DEPTH = 10;
var MAX_ITEMS = 1e3;
var BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
var MAX_CACHED_KEYS = 4096;
function needsEscape(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || c >= 55296 && c <= 57343) return true;
  }
  return false;
}
function objectTag(value) {
  const ctor = value.constructor;
  return typeof ctor?.name === "string" && ctor.name.length > 0 ? ctor.name : "Object";
}
function isError(value) {
  return value instanceof Error || Object.prototype.toString.call(value) === "[object Error]";
}
function describeThrown(error) {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "unknown";
  }
}
var Serializer = class {
  maxStringLength;
  isSecret;
  redacted;
  redactedJson;
  reserved;
  /** key -> `,"key":` (or the whole `,"key":"[REDACTED]"` member when the key is secret, or '' when reserved). */
  keyCache = /* @__PURE__ */ new Map();
  secretCache = /* @__PURE__ */ new Map();
  constructor(options) {
    this.maxStringLength = options.maxStringLength;
    this.isSecret = options.isSecretKey;
    this.redacted = options.redacted;
    this.redactedJson = JSON.stringify(options.redacted);
    this.reserved = options.reservedKeys ?? /* @__PURE__ */ new Set();
  }
  /** True for the keys `members()` and pretty key=value pairs leave out. */
  isReservedKey(key) {
    return this.reserved.has(key);
  }
  /** JSON string literal for `s`, cut to `maxStringLength` with a marker. */
  string(s) {
    if (s.length > this.maxStringLength) s = this.truncate(s);
    if (s.length > 8 && (s.indexOf("Bearer ") !== -1 || s.indexOf("Basic ") !== -1)) s = s.replace(BEARER, "$1 " + this.redacted);
    if (s.length < 64 && !needsEscape(s)) return '"' + s + '"';
    return JSON.stringify(s);
  }
  truncate(s) {
    const max = this.maxStringLength;
    let cut = max;
    const c = s.charCodeAt(cut - 1);
    if (c >= 55296 && c <= 56319) cut--;
    return s.slice(0, cut) + `\u2026[truncated ${s.length - cut} chars]`;
  }
  isSecretKey(key) {
    let secret = this.secretCache.get(key);
    if (secret === void 0) {
      secret = this.safeIsSecret(key);
      if (this.secretCache.size < MAX_CACHED_KEYS) this.secretCache.set(key, secret);
    }
    return secret;
  }
  safeIsSecret(key) {
    try {
      return this.isSecret(key);
    } catch {
      return true;
    }
  }
  /**
   * `,"k1":v1,"k2":v2...` for the own enumerable string keys of `fields` (empty string when none).
   * A leading comma so callers can append it straight after their fixed members.
   * Reserved keys are skipped: a duplicate key would win in JSON.parse and forge the record.
   */
  members(fields) {
    let out = "";
    for (const key in fields) {
      if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
      let prefix = this.keyCache.get(key);
      if (prefix === void 0) {
        prefix = this.reserved.has(key) ? "" : this.isSecretKey(key) ? "," + this.string(key) + ":" + this.redactedJson : "," + this.string(key) + ":";
        if (this.keyCache.size < MAX_CACHED_KEYS) this.keyCache.set(key, prefix);
      }
      if (prefix.charCodeAt(prefix.length - 1) !== 58) {
        out += prefix;
        continue;
      }
      let value;
      try {
        value = fields[key];
      } catch (error) {
        out += prefix + this.string(`[Throws: ${describeThrown(error)}]`);
        continue;
      }
      if (value === void 0) continue;
      out += prefix + this.value(value, 0, void 0);
    }
    return out;
  }
  /** JSON text for any value. `stack` holds the objects being serialised above this one (circular check). */
  value(value, depth, stack) {
    switch (typeof value) {
      case "string":
        return this.string(value);
      case "number":
        return Number.isFinite(value) ? "" + value : '"' + value + '"';
      case "boolean":
        return value ? "true" : "false";
      case "bigint":
        return '"' + value.toString() + '"';
      case "undefined":
        return "null";
      case "symbol":
        return this.string(value.toString());
      case "function":
        return this.string(`[Function: ${value.name || "anonymous"}]`);
      default:
        if (value === null) return "null";
        return this.object(value, depth, stack);
    }
  }
  object(value, depth, stack) {
    if (stack === void 0) stack = [];
    else if (stack.includes(value)) return '"[Circular]"';
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? '"Invalid Date"' : '"' + value.toISOString() + '"';
    }
    if (depth >= MAX_DEPTH) return Array.isArray(value) ? '"[Array]"' : '"[' + objectTag(value) + ']"';
    stack.push(value);
    try {
      if (Array.isArray(value)) return this.array(value, depth, stack);
      if (isError(value)) return this.error(value, depth, stack);
      if (value instanceof Map) return this.map(value, depth, stack);
      if (value instanceof Set) return this.iterable(value, value.size, depth, stack);
      if (ArrayBuffer.isView(value)) return '"[' + objectTag(value) + " " + value.byteLength + ' bytes]"';
      if (value instanceof ArrayBuffer) return '"[ArrayBuffer ' + value.byteLength + ' bytes]"';
      if (value instanceof RegExp) return this.string(String(value));
      const toJSON = value.toJSON;
      if (typeof toJSON === "function") {
        return this.value(toJSON.call(value), depth + 1, stack);
      }
      return "{" + this.nestedMembers(value, depth, stack) + "}";
    } catch (error) {
      return this.string(`[Unserialisable: ${describeThrown(error)}]`);
    } finally {
      stack.pop();
    }
  }
  nestedMembers(obj, depth, stack, isErr = false) {
    let out = "";
    for (const key in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
      if (isErr && (key === "name" || key === "message" || key === "stack")) continue;
      const sep = out.length === 0 ? "" : ",";
      if (this.isSecretKey(key)) {
        out += sep + this.string(key) + ":" + this.redactedJson;
        continue;
      }
      let v;
      try {
        v = obj[key];
      } catch (error) {
        out += sep + this.string(key) + ":" + this.string(`[Throws: ${describeThrown(error)}]`);
        continue;
      }
      if (v === void 0) continue;
      out += sep + this.string(key) + ":" + this.value(v, depth + 1, stack);
    }
    return out;
  }
  array(arr, depth, stack) {
    const n = arr.length < MAX_ITEMS ? arr.length : MAX_ITEMS;
    let out = "[";
    for (let i = 0; i < n; i++) {
      if (i > 0) out += ",";
      out += this.value(arr[i], depth + 1, stack);
    }
    if (arr.length > n) out += (n > 0 ? "," : "") + `"\u2026[${arr.length - n} more items]"`;
    return out + "]";
  }
  iterable(items, size, depth, stack) {
    let out = "[";
    let i = 0;
    for (const item of items) {
      if (i === MAX_ITEMS) {
        out += `,"\u2026[${size - i} more items]"`;
        break;
      }
      if (i > 0) out += ",";
      out += this.value(item, depth + 1, stack);
      i++;
    }
    return out + "]";
  }
  map(map, depth, stack) {
    let primitiveKeys = true;
    for (const key of map.keys()) {
      if (typeof key === "object" && key !== null) {
        primitiveKeys = false;
        break;
      }
      if (typeof key === "function") {
        primitiveKeys = false;
        break;
      }
    }
    if (!primitiveKeys) return this.iterable(map.entries(), map.size, depth, stack);
    let out = "{";
    let i = 0;
    for (const [rawKey, v] of map) {
      if (i === MAX_ITEMS) {
        out += `,"\u2026":"${map.size - i} more entries"`;
        break;
      }
      const key = typeof rawKey === "symbol" ? rawKey.toString() : String(rawKey);
      out += (i > 0 ? "," : "") + this.string(key) + ":";
      out += this.isSecretKey(key) ? this.redactedJson : this.value(v, depth + 1, stack);
      i++;
    }
    return out + "}";
  }
  error(err, depth, stack) {
    let out = '{"name":' + this.string(safeString(() => err.name) ?? "Error");
    out += ',"message":' + this.string(safeString(() => err.message) ?? "");
    const errStack = safeString(() => err.stack);
    if (errStack !== void 0) out += ',"stack":' + this.string(errStack);
    const extras = this.nestedMembers(err, depth, stack, true);
    if (extras.length > 0) out += "," + extras;
    let cause;
    try {
      cause = "cause" in err ? err.cause : void 0;
    } catch {
      cause = void 0;
    }
    if (cause !== void 0 && !Object.prototype.propertyIsEnumerable.call(err, "cause")) {
      out += ',"cause":' + this.value(cause, depth + 1, stack);
    }
    if (err instanceof AggregateError && !Object.prototype.propertyIsEnumerable.call(err, "errors")) {
      out += ',"errors":' + this.value(err.errors, depth + 1, stack);
    }
    return out + "}";
  }
};
function safeString(read) {
  try {
    const v = read();
    return typeof v === "string" ? v : v === void 0 ? void 0 : String(v);
  } catch {
    return void 0;
  }
}
var IsoClock = class {
  second = Number.NaN;
  prefix = "";
  iso(ms) {
    const second = Math.floor(ms / 1e3);
    if (second !== this.second) {
      const iso = new Date(second * 1e3).toISOString();
      this.second = second;
      this.prefix = iso.slice(0, iso.length - 4);
    }
    const milli = ms - second * 1e3;
    const m = milli | 0;
    return this.prefix + (m < 10 ? "00" + m : m < 100 ? "0" + m : "" + m) + "Z";
  }
};

// .ab/cur/src/format.ts
var RECORD_KEYS = /* @__PURE__ */ new Set(["time", "level", "logger", "event", "trace_id", "span_id"]);
var LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
var JsonFormat = class {
  constructor(s) {
    this.s = s;
  }
  clock = new IsoClock();
  heads(logger) {
    const name = this.s.string(logger);
    return LEVELS.map((level) => ',"level":"' + level + '","logger":' + name);
  }
  context(context) {
    return this.s.members(context);
  }
  line(time, head, event, context, fields, traceId, spanId) {
    let out = '{"time":"' + this.clock.iso(time) + '"' + head + ',"event":' + this.s.string(event) + context;
    if (fields !== void 0) out += this.s.members(fields);
    if (traceId !== void 0) out += ',"trace_id":' + this.s.string(traceId);
    if (spanId !== void 0) out += ',"span_id":' + this.s.string(spanId);
    return out + "}\n";
  }
};
var RESET = "\x1B[0m";
var DIM = "\x1B[2m";
var BOLD = "\x1B[1m";
var CYAN = "\x1B[36m";
var LEVEL_COLOURS = {
  DEBUG: "\x1B[34m",
  // blue
  INFO: "\x1B[32m",
  // green
  WARNING: "\x1B[33m",
  // yellow
  ERROR: "\x1B[31m",
  // red
  CRITICAL: "\x1B[1;41;97m"
  // bold white on red
};
var CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/g;
var BARE = /^[\w.\-/:@+]+$/;
var PrettyFormat = class {
  constructor(s, colour) {
    this.s = s;
    this.colour = colour;
  }
  paint(code, text) {
    return this.colour ? code + text + RESET : text;
  }
  heads(logger) {
    return LEVELS.map(
      (level) => this.paint(LEVEL_COLOURS[level], level.padEnd(8)) + " " + this.paint(CYAN, this.s.string(logger).slice(1, -1))
    );
  }
  context(context) {
    return this.pairs(context).text;
  }
  line(time, head, event, context, fields, traceId, spanId) {
    let out = this.paint(DIM, clockTime(time)) + " " + head + " " + this.paint(BOLD, this.s.string(event).slice(1, -1)) + context;
    let stacks = "";
    if (fields !== void 0) {
      const rendered = this.pairs(fields);
      out += rendered.text;
      stacks = rendered.stacks;
    }
    if (traceId !== void 0) out += " " + this.paint(DIM, "trace_id=" + this.text(traceId));
    if (spanId !== void 0) out += " " + this.paint(DIM, "span_id=" + this.text(spanId));
    return out + "\n" + stacks;
  }
  /** A string as it is when it reads unambiguously, else JSON-quoted (escapes newlines and control characters). */
  text(value) {
    const json = this.s.string(value);
    const inner = json.slice(1, -1);
    return BARE.test(inner) ? inner : json;
  }
  pairs(fields) {
    let text = "";
    let stacks = "";
    for (const key in fields) {
      if (!Object.prototype.hasOwnProperty.call(fields, key) || this.s.isReservedKey(key)) continue;
      const label = " " + this.paint(DIM, this.text(key) + "=");
      if (this.s.isSecretKey(key)) {
        text += label + this.s.redacted;
        continue;
      }
      let value;
      try {
        value = fields[key];
      } catch {
        text += label + '"[Throws]"';
        continue;
      }
      if (value === void 0) continue;
      if (typeof value === "string") {
        text += label + this.text(value);
      } else if (value instanceof Error) {
        text += label + this.text(`${value.name}: ${value.message}`);
        stacks += this.stack(value);
      } else {
        text += label + this.s.value(value, 0, void 0);
      }
    }
    return { text, stacks };
  }
  stack(error) {
    let out = "";
    let current = error;
    for (let depth = 0; current instanceof Error && depth < 5; depth++) {
      const stack = typeof current.stack === "string" ? current.stack : `${current.name}: ${current.message}`;
      const cut = stack.length > this.s.maxStringLength ? this.s.truncate(stack) : stack;
      const lines = cut.replace(CONTROL, "").split("\n");
      const prefix = depth === 0 ? "" : "Caused by: ";
      out += lines.map((l, i) => "    " + this.paint(DIM, (i === 0 ? prefix : "") + l)).join("\n") + "\n";
      current = current.cause;
    }
    return out;
  }
};
function clockTime(ms) {
  const d = new Date(ms);
  const two = (n) => n < 10 ? "0" + n : "" + n;
  const m = d.getMilliseconds();
  return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds()) + "." + (m < 10 ? "00" + m : m < 100 ? "0" + m : "" + m);
}

// .ab/cur/src/sink.ts
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { isatty } from "node:tty";
var FLUSH_AT = 16 * 1024;
var STALL_GIVE_UP_MS = 100;
var sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms) {
  Atomics.wait(sleepCell, 0, 0, ms);
}
var FdSink = class _FdSink {
  constructor(fd, ownsFd, description, onError) {
    this.fd = fd;
    this.ownsFd = ownsFd;
    this.description = description;
    this.onError = onError;
    this.isTTY = isatty(fd);
    register(this);
  }
  isTTY;
  counters = { linesWritten: 0, droppedLines: 0, failedWrites: 0 };
  buffer = "";
  queued = 0;
  scheduled = false;
  closed = false;
  /** Set when a full pipe was given up on: flushes then drop rather than wait, until one goes through. */
  stalled = false;
  /** The unwritten rest of a line a full pipe cut short; written first, so the stream stays line-parseable. */
  tail;
  flushSoon = () => {
    this.scheduled = false;
    this.flush();
  };
  static stdout(onError) {
    nonBlockingIfPipe(1);
    return new _FdSink(1, false, "stdout", onError);
  }
  static stderr(onError) {
    nonBlockingIfPipe(2);
    return new _FdSink(2, false, "stderr", onError);
  }
  /** Opens (creating folders and the file as needed) `path` for appending. Throws a clear error when it cannot. */
  static file(path, onError) {
    let fd;
    try {
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(path, "a");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`stdout provider: cannot open log file "${path}" for appending (${reason})`);
    }
    return new _FdSink(fd, true, path, onError);
  }
  write(line) {
    if (this.closed) {
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
  flush() {
    if (this.buffer.length === 0) return;
    const data = this.buffer;
    const lines = this.queued;
    this.buffer = "";
    this.queued = 0;
    this.writeAll(data, lines);
  }
  /** Flushes, and closes the file it opened (never fd 1 or 2). Idempotent. */
  close() {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    unregister(this);
    if (this.ownsFd) {
      try {
        closeSync(this.fd);
      } catch {
      }
    }
  }
  writeAll(data, lines) {
    let giveUpAt = this.stalled ? 0 : Number.NaN;
    let code;
    const send = (bytes2) => {
      let offset = 0;
      while (offset < bytes2.length) {
        try {
          offset += writeSync(this.fd, bytes2, offset, bytes2.length - offset);
        } catch (error) {
          code = error.code ?? String(error);
          if (code !== "EAGAIN") return offset;
          const now = performance.now();
          if (Number.isNaN(giveUpAt)) giveUpAt = now + STALL_GIVE_UP_MS;
          if (now >= giveUpAt) return offset;
          sleepMs(1);
        }
      }
      return offset;
    };
    if (this.tail !== void 0) {
      const done2 = send(this.tail);
      if (done2 < this.tail.length) {
        this.tail = this.tail.subarray(done2);
        this.fail(lines, code);
        return;
      }
      this.tail = void 0;
      if (this.counters.droppedLines > 0) {
        this.counters.droppedLines--;
        this.counters.linesWritten++;
      }
    }
    const bytes = Buffer.from(data, "utf8");
    const done = send(bytes);
    if (done === bytes.length) {
      this.counters.linesWritten += lines;
      this.stalled = false;
      return;
    }
    let whole = 0;
    let end = -1;
    for (let nl = bytes.indexOf(10); nl !== -1 && nl < done; nl = bytes.indexOf(10, nl + 1)) {
      whole++;
      end = nl;
    }
    if (whole > lines) whole = lines;
    if (done > end + 1) {
      const nl = bytes.indexOf(10, done);
      this.tail = Buffer.from(bytes.subarray(done, nl === -1 ? bytes.length : nl + 1));
    }
    this.counters.linesWritten += whole;
    this.fail(lines - whole, code);
  }
  fail(lines, code) {
    this.counters.failedWrites++;
    this.counters.droppedLines += lines;
    if (code === "EAGAIN") {
      if (this.stalled) return;
      this.stalled = true;
      this.onError(
        `${this.description} is not being read (pipe full for ${STALL_GIVE_UP_MS} ms): dropping log lines until it drains; stats().droppedLogRecords counts them`
      );
      return;
    }
    this.onError(`writing ${lines} log line(s) to ${this.description} failed (${code ?? "unknown"}); they were dropped`);
  }
};
function nonBlockingIfPipe(fd) {
  try {
    const stat = fstatSync(fd);
    if (!stat.isFIFO() && !stat.isSocket()) return;
    void (fd === 1 ? process.stdout : process.stderr);
  } catch {
  }
}
var live = /* @__PURE__ */ new Set();
var exiting = false;
function flushAllAtExit() {
  exiting = true;
  for (const sink of live) sink.flush();
}
function register(sink) {
  if (live.size === 0) process.on("exit", flushAllAtExit);
  live.add(sink);
}
function unregister(sink) {
  live.delete(sink);
  if (live.size === 0) process.removeListener("exit", flushAllAtExit);
}

// .ab/cur/package.json
var version = "0.1.0";
var peerDependencies = {
  "@opentelemetry/api": "^1.9.0",
  "@secure-mcp-gateway/telemetry-core": "^0.1.0"
};

// .ab/cur/src/version.ts
var VERSION = version;
var CORE_RANGE = peerDependencies["@secure-mcp-gateway/telemetry-core"];

// .ab/cur/src/provider.ts
var LEVEL_INDEX = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3, CRITICAL: 4 };
var SEVERITY = LEVELS.map((level) => LOG_LEVEL_SEVERITY[level]);
var [DEBUG, INFO, WARNING, ERROR, CRITICAL] = SEVERITY;
var noopTracerProvider = new ProxyTracerProvider();
var noopMeter = createNoopMeter();
var Output = class {
  constructor(threshold, format, sink, ctx) {
    this.threshold = threshold;
    this.format = format;
    this.sink = sink;
    this.ctx = ctx;
  }
  dropped = 0;
  reportedFailure = false;
  write(level, head, event, context, fields, time, traceId, spanId) {
    try {
      this.sink.write(this.format.line(time, head, event, context, fields, traceId, spanId));
    } catch (error) {
      this.dropped++;
      this.reportFailure(`a ${LEVELS[level]} record "${event}" could not be written (${String(error)})`);
    }
  }
  reportFailure(message) {
    if (this.reportedFailure) return;
    this.reportedFailure = true;
    try {
      this.ctx.diagnostics.error(message);
    } catch {
    }
  }
};
function normaliseFields(fields) {
  if (fields === void 0 || fields === null) return void 0;
  if (typeof fields !== "object") return { value: fields };
  if (fields instanceof Error) return { err: fields };
  return fields;
}
function noop() {
}
var StdoutLogger = class _StdoutLogger {
  constructor(name, out, heads, bindings, renderedContext) {
    this.name = name;
    this.out = out;
    this.heads = heads;
    this.bindings = bindings;
    this.renderedContext = renderedContext;
    const t = out.threshold;
    this.threshold = t;
    this.debug = DEBUG >= t ? this.debugOn : noop;
    this.info = INFO >= t ? this.infoOn : noop;
    this.warn = WARNING >= t ? this.warnOn : noop;
    this.error = ERROR >= t ? this.errorOn : noop;
    this.critical = CRITICAL >= t ? this.criticalOn : noop;
  }
  threshold;
  // Disabled levels are bound to a shared no-op (pino's trick): a filtered call does no work at all,
  // its fields are never read and the call site can be optimised away.
  debug;
  info;
  warn;
  error;
  critical;
  debugOn(event, fields) {
    this.write(0, event, fields);
  }
  infoOn(event, fields) {
    this.write(1, event, fields);
  }
  warnOn(event, fields) {
    this.write(2, event, fields);
  }
  errorOn(event, fields) {
    this.write(3, event, fields);
  }
  criticalOn(event, fields) {
    this.write(4, event, fields);
  }
  log(level, event, fields) {
    const index = levelIndex(level);
    if (SEVERITY[index] >= this.threshold) this.write(index, event, fields);
  }
  isLevelEnabled(level) {
    return SEVERITY[levelIndex(level)] >= this.threshold;
  }
  child(bindings) {
    if (bindings === null || typeof bindings !== "object") return this;
    const merged = { ...this.bindings, ...bindings };
    return new _StdoutLogger(this.name, this.out, this.heads, merged, this.out.format.context(merged));
  }
  write(index, event, fields) {
    const ids = activeTraceIds();
    this.out.write(
      index,
      this.heads[index],
      typeof event === "string" ? event : String(event),
      this.renderedContext,
      normaliseFields(fields),
      Date.now(),
      ids?.traceId,
      ids?.spanId
    );
  }
};
function levelIndex(level) {
  const index = LEVEL_INDEX[level];
  if (index !== void 0) return index;
  const parsed = typeof level === "string" ? parseLogLevel(level) : void 0;
  return parsed === void 0 ? 1 : LEVEL_INDEX[parsed];
}
function colourWanted(env, isTTY) {
  if (env.NO_COLOR !== void 0 && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== void 0 && force !== "") return force !== "0" && force.toLowerCase() !== "false";
  return isTTY && env.TERM !== "dumb";
}
function openSink(config, ctx, onError) {
  const dest = config.destination;
  const lower = dest.toLowerCase();
  if (lower === "stdout" || lower === "-" || lower === "/dev/stdout") {
    if (ctx.stdoutReserved) {
      ctx.diagnostics.warn(
        "stdout is reserved for the MCP protocol (stdio transport): writing logs to stderr instead"
      );
      return FdSink.stderr(onError);
    }
    return FdSink.stdout(onError);
  }
  if (lower === "stderr" || lower === "/dev/stderr") return FdSink.stderr(onError);
  return FdSink.file(isAbsolute(dest) ? dest : resolve(ctx.configDir, dest), onError);
}
function isParsed(config) {
  const c = config;
  return typeof c?.format === "string" && typeof c.destination === "string" && typeof c.maxStringLength === "number";
}
function create(rawConfig, ctx) {
  let config = rawConfig;
  if (!isParsed(rawConfig)) {
    const result = parseStdoutConfig(rawConfig);
    if (result.issues) {
      const detail = result.issues.map((i) => `plugins.telemetry.config.${(i.path ?? []).join(".")}: ${i.message}`).join("; ");
      throw new Error(`stdout provider: invalid config: ${detail}`);
    }
    config = result.value;
  }
  let output;
  const onError = (message) => output?.reportFailure(message);
  const sink = openSink(config, ctx, onError);
  const pretty = config.format === "pretty" || config.format === "auto" && sink.isTTY;
  const serializer = new Serializer({
    maxStringLength: config.maxStringLength,
    isSecretKey,
    redacted: REDACTED,
    reservedKeys: RECORD_KEYS
  });
  const format = pretty ? new PrettyFormat(serializer, colourWanted(ctx.env, sink.isTTY)) : new JsonFormat(serializer);
  const threshold = LOG_LEVEL_SEVERITY[ctx.settings.logLevel] ?? LOG_LEVEL_SEVERITY.INFO;
  output = new Output(threshold, format, sink, ctx);
  const out = output;
  const rootContext = format.context({});
  return {
    logger(name) {
      const loggerName = typeof name === "string" ? name : String(name);
      return new StdoutLogger(loggerName, out, format.heads(loggerName), {}, rootContext);
    },
    tracer(name, version2) {
      return noopTracerProvider.getTracer(name, version2);
    },
    meter() {
      return noopMeter;
    },
    emit(record) {
      const index = levelIndex(record.level);
      if (SEVERITY[index] < out.threshold) return;
      const logger = typeof record.logger === "string" ? record.logger : String(record.logger);
      out.write(
        index,
        format.heads(logger)[index],
        typeof record.event === "string" ? record.event : String(record.event),
        record.context && typeof record.context === "object" ? format.context(record.context) : "",
        normaliseFields(record.fields),
        record.time,
        record.traceId,
        record.spanId
      );
    },
    stats() {
      const c = sink.counters;
      return { droppedLogRecords: c.droppedLines + out.dropped, failedExports: c.failedWrites, linesWritten: c.linesWritten };
    },
    async forceFlush() {
      sink.flush();
    },
    async shutdown() {
      sink.close();
    }
  };
}
var stdoutProvider = defineProvider({
  meta: {
    name: "stdout",
    version: VERSION,
    core: CORE_RANGE,
    description: "Structured log lines to stdout, stderr or a file; no traces or metrics."
  },
  configSchema: stdoutConfigSchema,
  create
});

// .ab/cur/src/index.ts
var index_default = stdoutProvider;
export {
  index_default as default,
  stdoutConfigSchema,
  stdoutProvider
};
