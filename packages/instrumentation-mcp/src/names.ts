/**
 * Names that come from the peer (methods, tool and prompt names, ids, URIs) are hostile: they
 * are bounded before they reach a span, and only known ones become span names or metric
 * attribute values (everything else is `_OTHER`), so a client cannot explode cardinality.
 */
import { ERROR_TYPE_OTHER, MCP_METHOD_NAMES } from './semconv.js';
import { isRecord, ownString } from './meta.js';

const KNOWN_METHODS: ReadonlySet<string> = new Set<string>(MCP_METHOD_NAMES);

/** Longest tool or prompt name recorded (MCP tool names are 1–128 characters). */
export const NAME_MAX = 128;
/** Longest value of any other hostile string attribute (ids, URIs, session ids, messages). */
export const VALUE_MAX = 1024;

export function bounded(value: string, max: number = VALUE_MAX): string {
  return value.length > max ? value.slice(0, max) : value;
}

/** 1–128 printable ASCII characters without spaces: safe in a span name and a metric label. */
export function isPlainName(name: string): boolean {
  if (name.length === 0 || name.length > NAME_MAX) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/**
 * `mcp.method.name` for a method: the conventions' well-known names and the ones the options
 * add are kept; anything else received from the peer is `_OTHER`. Methods this side sends are
 * its own code's and kept when they are plain names.
 */
export function methodLabel(method: string, incoming: boolean, extraMethods: ReadonlySet<string> | undefined): string {
  if (KNOWN_METHODS.has(method) || extraMethods?.has(method)) return method;
  if (!incoming && isPlainName(method)) return method;
  return ERROR_TYPE_OTHER;
}

export type TargetKind = 'tool' | 'prompt';

/**
 * Which tool and prompt names may appear in span names and metric attributes.
 * - `'advertised'`: names this endpoint has seen in a `tools/list` / `prompts/list` result (the
 *   server's own lists on a server, the server's lists on a client). The default on servers.
 * - `'any'`: every plain name (1–128 printable characters). The default on clients, whose own
 *   code picks the names.
 * - a function: your own allow-list (e.g. the gateway's tool table).
 */
export type TargetNamePolicy = 'advertised' | 'any' | ((kind: TargetKind, name: string) => boolean);

/** Most names learned per kind from list results; a peer cannot grow the set without bound. */
export const LEARNED_NAMES_MAX = 1000;

export class TargetNames {
  private readonly tools = new Set<string>();
  private readonly prompts = new Set<string>();

  constructor(private readonly policy: TargetNamePolicy) {}

  isKnown(kind: TargetKind, name: string): boolean {
    if (!isPlainName(name)) return false;
    const policy = this.policy;
    if (policy === 'any') return true;
    if (policy === 'advertised') return (kind === 'tool' ? this.tools : this.prompts).has(name);
    try {
      return policy(kind, name) === true;
    } catch {
      return false;
    }
  }

  /** Learns the names of a `tools/list` or `prompts/list` result. */
  learn(kind: TargetKind, result: unknown): void {
    if (this.policy !== 'advertised' || !isRecord(result)) return;
    const list = result[kind === 'tool' ? 'tools' : 'prompts'];
    if (!Array.isArray(list)) return;
    const set = kind === 'tool' ? this.tools : this.prompts;
    const limit = Math.min(list.length, LEARNED_NAMES_MAX);
    for (let i = 0; i < limit && set.size < LEARNED_NAMES_MAX; i++) {
      const entry: unknown = list[i];
      if (!isRecord(entry)) continue;
      const name = ownString(entry, 'name');
      if (name !== undefined && isPlainName(name)) set.add(name);
    }
  }
}
