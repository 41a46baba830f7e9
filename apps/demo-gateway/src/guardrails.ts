import type { GuardrailPolicy } from './config';

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

export interface PiiFinding {
  readonly type: PiiType;
  readonly count: number;
}

export interface GuardrailVerdict {
  readonly violations: readonly Violation[];
  readonly pii: readonly PiiFinding[];
  /** The input args / output text with PII replaced, when the policy redacts. */
  readonly redacted?: unknown;
}

export type PiiType = 'email' | 'phone' | 'ssn' | 'credit_card' | 'ip_address';

// Order matters: SSN and card numbers before the looser phone pattern.
const PII_PATTERNS: readonly [PiiType, RegExp][] = [
  ['email', /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g],
  ['ssn', /\b\d{3}-\d{2}-\d{4}\b/g],
  ['credit_card', /\b(?:\d[ -]?){13,16}\b/g],
  ['ip_address', /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g],
  ['phone', /(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b/g],
];

/** Finds PII in a string and returns it redacted, with counts per type. */
export function redactPii(text: string): { text: string; findings: PiiFinding[] } {
  const counts = new Map<PiiType, number>();
  let out = text;
  for (const [type, pattern] of PII_PATTERNS) {
    out = out.replace(pattern, () => {
      counts.set(type, (counts.get(type) ?? 0) + 1);
      return `[REDACTED_${type.toUpperCase()}]`;
    });
  }
  return { text: out, findings: [...counts].map(([type, count]) => ({ type, count })) };
}

function redactValue(value: unknown, findings: Map<PiiType, number>): unknown {
  if (typeof value === 'string') {
    const result = redactPii(value);
    for (const f of result.findings) findings.set(f.type, (findings.get(f.type) ?? 0) + f.count);
    return result.text;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, findings));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, findings)]));
  }
  return value;
}

const INJECTION_PATTERNS: readonly RegExp[] = [
  /\bignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above)\s+(?:instructions|prompts?|rules)/i,
  /\bdisregard\s+(?:all\s+|the\s+)?(?:previous|prior|system)\s+(?:instructions|prompt)/i,
  /\b(?:reveal|print|show)\s+(?:me\s+)?(?:your|the)\s+system\s+prompt/i,
  /\byou\s+are\s+now\s+(?:DAN|in\s+developer\s+mode)/i,
  /<\s*\/?\s*system\s*>/i,
];

const HALLUCINATION_MARKERS: readonly RegExp[] = [
  /\bas of my (?:last )?(?:knowledge|training)\b/i,
  /\bi (?:think|believe|guess)\b/i,
  /\bprobably\b/i,
  /\[citation needed\]/i,
  /\bit is (?:widely|well) known that\b/i,
];

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

function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => stringsIn(v, out));
  return out;
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

  async checkInput(request: InputCheck, _signal?: AbortSignal): Promise<GuardrailVerdict> {
    const { policy } = request;
    const blocks = new Set(policy.block);
    const violations: Violation[] = [];
    const findings = new Map<PiiType, number>();
    const redacted = redactValue(request.args, findings) as Record<string, unknown>;
    const pii = [...findings].map(([type, count]) => ({ type, count }));
    if (pii.length > 0) {
      violations.push({ type: 'pii', detail: `PII in arguments: ${pii.map((p) => p.type).join(', ')}`, blocking: blocks.has('pii') });
    }
    const text = stringsIn(request.args).join('\n');
    const lower = text.toLowerCase();
    const keyword = policy.additional_config.blocked_keywords.find((k) => lower.includes(k.toLowerCase()));
    if (keyword !== undefined) {
      violations.push({ type: 'keyword_detector', detail: 'a blocked keyword is present', blocking: true });
    }
    if (INJECTION_PATTERNS.some((pattern) => pattern.test(text))) {
      violations.push({ type: 'injection_attack', detail: 'prompt-injection pattern detected', blocking: true });
    }
    return {
      violations,
      pii,
      redacted: policy.additional_config.pii_redaction && pii.length > 0 ? redacted : undefined,
    };
  }

  async checkOutput(request: OutputCheck, _signal?: AbortSignal): Promise<GuardrailVerdict> {
    const { policy, text } = request;
    const cfg = policy.additional_config;
    const blocks = new Set(policy.block);
    const violations: Violation[] = [];
    const { text: redactedText, findings } = redactPii(text);
    if (findings.length > 0) {
      violations.push({ type: 'pii', detail: `PII in output: ${findings.map((f) => f.type).join(', ')}`, blocking: blocks.has('pii') });
    }
    if (cfg.relevancy) {
      const asked = words([request.tool.replace(/_/g, ' '), request.toolDescription ?? '', ...stringsIn(request.args)].join(' '));
      const answered = words(text);
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
    if (cfg.hallucination && HALLUCINATION_MARKERS.some((pattern) => pattern.test(text))) {
      violations.push({ type: 'hallucination', detail: 'output contains unsupported-claim markers', blocking: blocks.has('hallucination') });
    }
    return { violations, pii: findings, redacted: cfg.pii_redaction && findings.length > 0 ? redactedText : undefined };
  }
}
