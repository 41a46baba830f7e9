/**
 * Opt-in payload capture: tool arguments and results (`gen_ai.tool.call.arguments` / `.result`)
 * and prompt arguments (`gen_ai.prompt.variable.<name>`). Off unless the options or
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` turn it on. Every value is
 * serialised, passed through the host's redaction hook, then truncated; a hook that throws
 * drops the value rather than record it unredacted.
 */
import { isRecord } from './meta.js';
import { isPlainName } from './names.js';
import { ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX } from './semconv.js';

export const CAPTURE_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
export const DEFAULT_MAX_CONTENT_LENGTH = 4096;
/** Most prompt variables recorded per `prompts/get`. */
export const PROMPT_VARIABLES_MAX = 32;

/** Redaction hook: gets the serialised text (JSON for objects), returns what may be recorded. */
export type RedactFn = (text: string) => string;

export interface ContentCapture {
  readonly enabled: boolean;
  readonly maxLength: number;
  readonly redact: RedactFn | undefined;
}

/** `true` in the environment variable (case-insensitive) turns capture on. */
export function captureFromEnv(env: Record<string, string | undefined>): boolean {
  return env[CAPTURE_ENV]?.trim().toLowerCase() === 'true';
}

function serialise(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"[unserialisable]"';
  }
}

/** The recordable form of `value`, or undefined when the redaction hook failed. */
export function captureValue(value: unknown, capture: ContentCapture): string | undefined {
  let text = serialise(value);
  // Redaction runs on at most twice the kept length: anything beyond is cut off afterwards, so
  // a secret straddling this first cut is never recorded in part.
  if (text.length > capture.maxLength * 2) text = text.slice(0, capture.maxLength * 2);
  if (capture.redact) {
    try {
      text = capture.redact(text);
    } catch {
      return undefined;
    }
    if (typeof text !== 'string') return undefined;
  }
  return text.length > capture.maxLength ? text.slice(0, capture.maxLength) : text;
}

/** `gen_ai.prompt.variable.<name>` attributes for a `prompts/get` request's `arguments`. */
export function promptVariables(args: unknown, capture: ContentCapture, into: Record<string, string>): void {
  if (!isRecord(args)) return;
  let count = 0;
  for (const key in args) {
    if (!Object.prototype.hasOwnProperty.call(args, key)) continue;
    if (count >= PROMPT_VARIABLES_MAX) break;
    if (!isPlainName(key)) continue;
    const value = captureValue(args[key], capture);
    if (value === undefined) continue;
    into[ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX + key] = value;
    count++;
  }
}
