import type { GuardrailPolicy } from './config';
import { findingsOf, redactPiiInValue, redactPiiText, stringsIn, type PiiFinding, type PiiType } from './pii';
import { matchesAny, ScanPacer } from './text-scan';

export type { PiiFinding, PiiType } from './pii';
export { redactPii } from './pii';

/**
 * Guardrails sit behind this async interface: the place a remote guardrail API (the
 * Python gateway calls Enkrypt's) plugs in. The gateway records the API metrics,
 * timeouts and spans around every call, whatever the engine.
 */
export interface GuardrailEngine {
  readonly name: string;
  checkInput(request: InputCheck, signal: AbortSignal): Promise<GuardrailVerdict>;
  checkOutput(request: OutputCheck, signal: AbortSignal): Promise<GuardrailVerdict>;
}

export interface InputCheck {
  readonly server: string;
  readonly tool: string;
  readonly toolDescription?: string | undefined;
  readonly args: Record<string, unknown>;
  readonly policy: GuardrailPolicy;
}

export interface OutputCheck {
  readonly server: string;
  readonly tool: string;
  readonly toolDescription?: string | undefined;
  readonly args: Record<string, unknown>;
  /** The tool result's text content, joined. */
  readonly text: string;
  readonly policy: GuardrailPolicy;
}

export type ViolationType =
  | 'pii'
  | 'keyword_detector'
  | 'injection_attack'
  | 'relevancy'
  | 'adherence'
  | 'hallucination';

export interface Violation {
  readonly type: ViolationType;
  /** Short, payload-free explanation (safe to log and return). */
  readonly detail: string;
  readonly blocking: boolean;
}

export interface GuardrailVerdict {
  readonly violations: readonly Violation[];
  readonly pii: readonly PiiFinding[];
  /** The input args / output text with PII replaced, when the policy redacts. */
  readonly redacted?: unknown;
}

/** The text to scan is over the engine's size budget: the call fails closed, nothing is forwarded. */
export class ScanBudgetError extends Error {
  readonly errorType = 'scan_budget_exceeded';
  constructor(direction: 'input' | 'output', chars: number, budget: number) {
    super(`the ${direction} holds ${chars} characters of text, over the guardrail scan budget of ${budget}`);
    this.name = 'ScanBudgetError';
  }
}

/** Default guardrail scan budget, characters of text per check (a 4 MB request fits). */
export const DEFAULT_MAX_SCAN_CHARS = 8 * 1024 * 1024;
/** Relevancy compares words from this much of the output at most (a heuristic; bounded cost). */
const RELEVANCY_SAMPLE_CHARS = 64 * 1024;
/** Injection and hallucination phrases up to this long are found wherever they lie. */
const PHRASE_OVERLAP = 4096;

// Matched against lower-cased text whose whitespace runs are single spaces (normalisePhraseText):
// no `\s+`, no case folding, so each pattern is linear and small (tools/redos-check).
const INJECTION_PATTERNS: readonly RegExp[] = [
  /\bignore (?:all |any )?(?:the )?(?:previous|prior|above) (?:instructions|prompts?|rules)/,
  /\bdisregard (?:all |the )?(?:previous|prior|system) (?:instructions|prompt)/,
  /\b(?:reveal|print|show) (?:me )?(?:your|the) system prompt/,
  /\byou are now (?:dan|in developer mode)/,
  /< ?(?:\/ ?)?system ?>/,
];

const HALLUCINATION_MARKERS: readonly RegExp[] = [
  /\bas of my (?:last )?(?:knowledge|training)\b/,
  /\bi (?:think|believe|guess)\b/,
  /\bprobably\b/,
  /\[citation needed\]/,
  /\bit is (?:widely|well) known that\b/,
];

/** Lower case, whitespace runs as one space: the form the phrase patterns are written for. */
function normalisePhraseText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ');
}

const STOP_WORDS = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were will with you your what which who how when where why do does please about'.split(' '),
);

function words(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2 && !STOP_WORDS.has(w)),
  );
}

/**
 * The local, deterministic policy engine used by the demo. It is NOT a real guardrail:
 * - input: PII (regexes) detected and, with `pii_redaction`, redacted before forwarding;
 *   `blocked_keywords` and a few prompt-injection patterns are violations.
 * - output: PII redaction; relevancy = the output shares no content word with the tool
 *   name, description and arguments; adherence = longer than `max_output_chars` or
 *   containing a `forbidden_output_phrases` entry; hallucination = hedging/fabrication
 *   markers ("I believe", "probably", "[citation needed]"...).
 * A violation blocks when its type is in the policy's `block` list.
 */
export class LocalPolicyEngine implements GuardrailEngine {
  readonly name = 'local';
  private readonly maxScanChars: number;

  constructor(options: { maxScanChars?: number } = {}) {
    this.maxScanChars = options.maxScanChars ?? DEFAULT_MAX_SCAN_CHARS;
  }

  async checkInput(request: InputCheck, signal?: AbortSignal): Promise<GuardrailVerdict> {
    const { policy } = request;
    const pacer = new ScanPacer(signal);
    const strings = stringsIn(request.args);
    const size = strings.reduce((n, s) => n + s.length, 0);
    if (size > this.maxScanChars) throw new ScanBudgetError('input', size, this.maxScanChars);
    const blocks = new Set(policy.block);
    const violations: Violation[] = [];
    const findings = new Map<PiiType, number>();
    const redacted = (await redactPiiInValue(request.args, findings, pacer)) as Record<string, unknown>;
    const pii = findingsOf(findings);
    if (pii.length > 0) {
      violations.push({ type: 'pii', detail: `PII in arguments: ${pii.map((p) => p.type).join(', ')}`, blocking: blocks.has('pii') });
    }
    const text = strings.join('\n');
    const lower = text.toLowerCase();
    const keyword = policy.additional_config.blocked_keywords.find((k) => lower.includes(k.toLowerCase()));
    if (keyword !== undefined) {
      violations.push({ type: 'keyword_detector', detail: 'a blocked keyword is present', blocking: true });
    }
    if (await matchesAny(text, INJECTION_PATTERNS, PHRASE_OVERLAP, pacer, normalisePhraseText)) {
      violations.push({ type: 'injection_attack', detail: 'prompt-injection pattern detected', blocking: true });
    }
    return {
      violations,
      pii,
      redacted: policy.additional_config.pii_redaction && pii.length > 0 ? redacted : undefined,
    };
  }

  async checkOutput(request: OutputCheck, signal?: AbortSignal): Promise<GuardrailVerdict> {
    const { policy, text } = request;
    if (text.length > this.maxScanChars) throw new ScanBudgetError('output', text.length, this.maxScanChars);
    const pacer = new ScanPacer(signal);
    const cfg = policy.additional_config;
    const blocks = new Set(policy.block);
    const violations: Violation[] = [];
    const { text: redactedText, findings } = await redactPiiText(text, pacer);
    if (findings.length > 0) {
      violations.push({ type: 'pii', detail: `PII in output: ${findings.map((f) => f.type).join(', ')}`, blocking: blocks.has('pii') });
    }
    if (cfg.relevancy) {
      const asked = words([request.tool.replace(/_/g, ' '), request.toolDescription ?? '', ...stringsIn(request.args)].join(' ').slice(0, RELEVANCY_SAMPLE_CHARS));
      const answered = words(text.slice(0, RELEVANCY_SAMPLE_CHARS));
      const overlap = [...answered].filter((w) => asked.has(w)).length;
      if (answered.size >= 5 && overlap === 0) {
        violations.push({ type: 'relevancy', detail: 'output shares no content word with the request', blocking: blocks.has('relevancy') });
      }
    }
    if (cfg.adherence) {
      const lower = text.toLowerCase();
      if (text.length > cfg.max_output_chars || cfg.forbidden_output_phrases.some((p) => lower.includes(p.toLowerCase()))) {
        violations.push({ type: 'adherence', detail: 'output breaks the output policy (length or forbidden phrase)', blocking: blocks.has('adherence') });
      }
    }
    if (cfg.hallucination && (await matchesAny(text, HALLUCINATION_MARKERS, PHRASE_OVERLAP, pacer, normalisePhraseText))) {
      violations.push({ type: 'hallucination', detail: 'output contains unsupported-claim markers', blocking: blocks.has('hallucination') });
    }
    return { violations, pii: findings, redacted: cfg.pii_redaction && findings.length > 0 ? redactedText : undefined };
  }
}
