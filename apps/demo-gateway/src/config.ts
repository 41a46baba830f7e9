import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, loadGatewayConfig, parseGatewayConfig } from '@secure-mcp-gateway/telemetry-core';
import { DEFAULT_MAX_SESSIONS } from '@secure-mcp-gateway/metrics-catalog';
import { DEFAULT_MAX_SCAN_CHARS } from './guardrails';

export const DEFAULT_MAX_SESSIONS_PER_KEY = 100;
export const DEFAULT_SESSION_IDLE_TIMEOUT_SECONDS = 1800;
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_RESULT_BYTES = 4 * 1024 * 1024;

/**
 * The gateway's own sections of `enkrypt_mcp_config.json` (the Python gateway's shape),
 * layered on core's schema: core validates `plugins.telemetry` and the log level, this
 * file validates keys, projects, users, servers, guardrail policies and timeouts.
 * Unknown keys are kept (the Python gateway has many we do not use).
 */

const GuardrailPolicySchema = z.looseObject({
  enabled: z.boolean().default(false),
  policy_name: z.string().default('demo-policy'),
  /** Violation types that block the call; the others are recorded and let through. */
  block: z.array(z.string()).default([]),
  additional_config: z
    .looseObject({
      pii_redaction: z.boolean().default(false),
      relevancy: z.boolean().default(false),
      adherence: z.boolean().default(false),
      hallucination: z.boolean().default(false),
      /** Demo engine: words or phrases that block an input (case-insensitive). */
      blocked_keywords: z.array(z.string()).default([]),
      /** Demo engine (adherence): outputs longer than this break the policy. */
      max_output_chars: z.number().int().positive().default(4000),
      /** Demo engine (adherence): phrases an output must not contain. */
      forbidden_output_phrases: z.array(z.string()).default([]),
    })
    .prefault({}),
});

export type GuardrailPolicy = z.output<typeof GuardrailPolicySchema>;

const ServerSchema = z.looseObject({
  server_name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-" and "." only'),
  description: z.string().default(''),
  config: z.looseObject({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
  }),
  /** Allow-list of tool names (Python: an object keyed by tool name); empty = every discovered tool. */
  tools: z
    .union([z.record(z.string(), z.unknown()), z.array(z.string())])
    .default({})
    .transform((tools) => (Array.isArray(tools) ? tools : Object.keys(tools))),
  enable_tool_guardrails: z.boolean().default(true),
  /** Per-call timeout budget for this server's tools, seconds (overrides timeout_settings). */
  tool_timeout: z.number().positive().optional(),
  input_guardrails_policy: GuardrailPolicySchema.prefault({}),
  output_guardrails_policy: GuardrailPolicySchema.prefault({}),
});

export type ServerConfig = z.output<typeof ServerSchema>;

const EscalationSchema = z.looseObject({
  warn_threshold: z.number().positive().default(0.8),
  timeout_threshold: z.number().positive().default(1.0),
  fail_threshold: z.number().positive().default(1.2),
});

const TimeoutSettingsSchema = z.looseObject({
  default_timeout: z.number().positive().default(30),
  guardrail_timeout: z.number().positive().default(15),
  auth_timeout: z.number().positive().default(10),
  tool_execution_timeout: z.number().positive().default(60),
  discovery_timeout: z.number().positive().default(20),
  cache_timeout: z.number().positive().default(5),
  connectivity_timeout: z.number().positive().default(2),
  escalation_policies: EscalationSchema.prefault({}),
});

const CommonSchema = z.looseObject({
  enkrypt_log_level: z.string().default('INFO'),
  /** Hours, as in the Python gateway. */
  enkrypt_tool_cache_expiration: z.number().nonnegative().default(4),
  enkrypt_gateway_cache_expiration: z.number().nonnegative().default(24),
  /** Seconds; when set, overrides enkrypt_tool_cache_expiration (handy for demos and tests). */
  tool_cache_ttl_seconds: z.number().nonnegative().optional(),
  timeout_settings: TimeoutSettingsSchema.prefault({}),
  /** Cap on concurrent sessions (all transports); initialize beyond it is refused (HTTP 503). */
  max_sessions: z.number().int().positive().default(DEFAULT_MAX_SESSIONS),
  /** Cap on concurrent sessions opened with one gateway key, so one key cannot take every slot (HTTP 503). */
  max_sessions_per_key: z.number().int().positive().default(DEFAULT_MAX_SESSIONS_PER_KEY),
  /** Seconds a session may stay idle before the gateway closes it (and the Retry-After of a refusal). */
  session_idle_timeout_seconds: z.number().positive().default(DEFAULT_SESSION_IDLE_TIMEOUT_SECONDS),
  /** Largest HTTP request body accepted, bytes (larger: HTTP 413 with a JSON-RPC error). */
  max_request_bytes: z.number().int().positive().default(DEFAULT_MAX_REQUEST_BYTES),
  /** Largest upstream tool result forwarded, bytes of its content (larger: error upstream_result_too_large). */
  max_result_bytes: z.number().int().positive().default(DEFAULT_MAX_RESULT_BYTES),
  /** Most characters of text a guardrail check scans (more: the call fails closed, guardrail_scan_budget_exceeded). */
  guardrail_max_scan_chars: z.number().int().positive().default(DEFAULT_MAX_SCAN_CHARS),
});

export const GatewaySectionsSchema = z.looseObject({
  common_mcp_gateway_config: CommonSchema.prefault({}),
  mcp_configs: z.record(
    z.string(),
    z.looseObject({
      mcp_config_name: z.string().optional(),
      mcp_config: z.array(ServerSchema).superRefine((servers, ctx) => {
        const seen = new Set<string>();
        servers.forEach((server, index) => {
          if (seen.has(server.server_name)) {
            ctx.addIssue({ code: 'custom', path: [index, 'server_name'], message: `duplicate server_name "${server.server_name}"` });
          }
          seen.add(server.server_name);
        });
      }),
    }),
  ),
  projects: z.record(
    z.string(),
    z.looseObject({
      project_name: z.string().optional(),
      mcp_config_id: z.string().min(1),
      users: z.array(z.string()).default([]),
    }),
  ),
  users: z.record(z.string(), z.looseObject({ email: z.string().optional() })).default({}),
  apikeys: z.record(
    z.string(),
    z.looseObject({
      project_id: z.string().min(1),
      user_id: z.string().min(1),
    }),
  ),
  plugins: z
    .looseObject({
      guardrails: z.looseObject({ provider: z.string().default('local') }).optional(),
      telemetry: z.unknown().optional(),
    })
    .default({}),
});

export type GatewaySections = z.output<typeof GatewaySectionsSchema>;

export interface LoadedGatewayConfig {
  /** The raw JSON, as read (core reads plugins.telemetry from it). */
  readonly raw: Record<string, unknown>;
  readonly gateway: GatewaySections;
  /** Absolute path of the file, when read from one. */
  readonly path?: string | undefined;
  readonly dir: string;
}

/** A bad config: every problem with its JSON path. The CLI prints `message` and exits 2. */
export class GatewayConfigError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(source: string, issues: { path: string; message: string }[]) {
    super(
      `Invalid gateway config ${source}:\n` + issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n'),
    );
    this.name = 'GatewayConfigError';
    this.issues = issues;
  }
}

function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** Cross-references zod cannot see: keys → projects/users, projects → mcp_configs. */
function crossCheck(sections: GatewaySections): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  for (const [key, entry] of Object.entries(sections.apikeys)) {
    // The key itself is a secret: the path names it by position, never by value.
    const where = `apikeys[#${Object.keys(sections.apikeys).indexOf(key) + 1}]`;
    if (!own(sections.projects, entry.project_id)) issues.push({ path: `${where}.project_id`, message: `unknown project "${entry.project_id}"` });
  }
  for (const [id, project] of Object.entries(sections.projects)) {
    if (!own(sections.mcp_configs, project.mcp_config_id)) {
      issues.push({ path: jsonPath(['projects', id, 'mcp_config_id']), message: `unknown mcp_config "${project.mcp_config_id}"` });
    }
  }
  return issues;
}

/**
 * Validates a parsed config object. Core's schema runs first (telemetry and log level),
 * then the gateway sections. Throws GatewayConfigError naming each bad JSON path.
 */
export function parseConfig(raw: unknown, options: { source?: string; dir?: string } = {}): LoadedGatewayConfig {
  const source = options.source ?? '(inline config)';
  const issues: { path: string; message: string }[] = [];
  try {
    parseGatewayConfig(raw, { source });
  } catch (error) {
    if (error instanceof ConfigError) issues.push(...error.issues);
    else throw error;
  }
  const result = GatewaySectionsSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      // apikeys are keyed by the secret itself: name the entry, never the key.
      const segments = issue.path[0] === 'apikeys' && issue.path.length > 1 ? ['apikeys', '<key>', ...issue.path.slice(2)] : issue.path;
      issues.push({ path: jsonPath(segments).replace('["<key>"]', '[<key>]'), message: friendly(issue) });
    }
  }
  if (issues.length > 0 || !result.success) throw new GatewayConfigError(source, dedupe(issues));
  const gateway = withNullPrototypes(result.data);
  const cross = crossCheck(gateway);
  if (cross.length > 0) throw new GatewayConfigError(source, cross);
  return {
    raw: raw as Record<string, unknown>,
    gateway,
    dir: options.dir ?? process.cwd(),
    path: options.source && options.source !== '(inline config)' ? options.source : undefined,
  };
}

function friendly(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return /received undefined/.test(issue.message) ? `required (expected ${issue.expected})` : issue.message.replace(/^Invalid input: /, '');
  }
  return issue.message.replace(/^Invalid input: /, '');
}

function dedupe(issues: { path: string; message: string }[]): { path: string; message: string }[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const id = `${issue.path}\u0000${issue.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Reads and validates `enkrypt_mcp_config.json`: core's `loadGatewayConfig` reads the file
 * and checks the telemetry parts, then the gateway sections are checked here.
 */
export function loadConfig(file: string): LoadedGatewayConfig {
  const absolute = path.resolve(file);
  let json: unknown;
  try {
    json = loadGatewayConfig(absolute);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Unreadable file or malformed JSON: nothing more to check.
    if (error.issues.some((i) => i.path === '(file)' || i.path.startsWith('line '))) throw new GatewayConfigError(absolute, [...error.issues]);
    // Valid JSON that core rejected: report core's problems and the gateway's together.
    json = JSON.parse(readFileSync(absolute, 'utf8').replace(/^\uFEFF/, ''));
  }
  return { ...parseConfig(json, { source: absolute, dir: path.dirname(absolute) }), path: absolute };
}

/** A copy of a record without a prototype: no `Object.prototype` name can be found in it. */
function nullPrototype<V>(record: Record<string, V>): Record<string, V> {
  return Object.assign(Object.create(null) as Record<string, V>, record);
}

/**
 * The sections whose keys clients name (keys, projects, configs, users) as null-prototype
 * records; lookups also go through `own()`, so neither `constructor` nor `__proto__` resolves.
 */
function withNullPrototypes(sections: GatewaySections): GatewaySections {
  return {
    ...sections,
    apikeys: nullPrototype(sections.apikeys),
    projects: nullPrototype(sections.projects),
    mcp_configs: nullPrototype(sections.mcp_configs),
    users: nullPrototype(sections.users),
  };
}

/** `record[key]` when it is the record's own property, else undefined. */
export function own<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** The servers a project may use, by gateway key's project. */
export function serversForProject(sections: GatewaySections, projectId: string): ServerConfig[] {
  const project = own(sections.projects, projectId);
  if (!project) return [];
  return own(sections.mcp_configs, project.mcp_config_id)?.mcp_config ?? [];
}
