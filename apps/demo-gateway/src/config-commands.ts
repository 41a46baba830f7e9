import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyEdits, findNodeAtLocation, modify, parseTree, type FormattingOptions } from 'jsonc-parser';
import { ConfigError, parseGatewayConfig, safeUrl, type ConfigIssue } from '@secure-mcp-gateway/telemetry-core';
import { parseBooleanValue, UsageError, type CommandSpec, type ParsedValues } from './argv';
import { CONFIG_INIT, CONFIG_TELEMETRY } from './commands';
import { GatewayConfigError, parseConfig } from './config';
import { CONFIG_ENV, findConfig, homeConfigPath } from './config-file';

/**
 * `config init` (a new config in the Python gateway's shape) and `config telemetry` (edit
 * `plugins.telemetry` in place). Both validate with core's schema before writing, and write
 * atomically (a temporary file renamed over the target), so a failed run leaves the file as it was.
 */

/** The telemetry flags, the config keys they set, and the variable that overrides each at run time. */
const TELEMETRY_FLAGS = [
  { flag: 'provider', path: ['plugins', 'telemetry', 'provider'], kind: 'string', env: 'ENKRYPT_TELEMETRY_PROVIDER' },
  { flag: 'enabled', path: ['plugins', 'telemetry', 'config', 'enabled'], kind: 'boolean', env: 'OTEL_SDK_DISABLED' },
  { flag: 'url', path: ['plugins', 'telemetry', 'config', 'url'], kind: 'string', env: 'OTEL_EXPORTER_OTLP_ENDPOINT' },
  { flag: 'insecure', path: ['plugins', 'telemetry', 'config', 'insecure'], kind: 'boolean', env: 'OTEL_EXPORTER_OTLP_INSECURE' },
  { flag: 'protocol', path: ['plugins', 'telemetry', 'config', 'protocol'], kind: 'string', env: 'OTEL_EXPORTER_OTLP_PROTOCOL' },
] as const;

type TelemetryEdit = { readonly flag: string; readonly path: readonly string[]; readonly value: string | boolean; readonly env: string };

function telemetryEdits(command: CommandSpec, values: ParsedValues): TelemetryEdit[] {
  const edits: TelemetryEdit[] = [];
  for (const spec of TELEMETRY_FLAGS) {
    const raw = values[spec.flag];
    if (typeof raw !== 'string') continue;
    edits.push({ flag: spec.flag, path: spec.path, env: spec.env, value: spec.kind === 'boolean' ? parseBooleanValue(command, spec.flag, raw) : raw });
  }
  return edits;
}

/** A schema problem at a path a flag sets is reported against the flag; others by JSON path. */
function describeIssues(issues: readonly ConfigIssue[], edits: readonly TelemetryEdit[]): string {
  return issues
    .map((issue) => {
      const edit = edits.find((e) => issue.path === e.path.join('.'));
      return edit ? `option --${edit.flag}: ${issue.message}` : `${issue.path}: ${issue.message}`;
    })
    .join('; ');
}

function shown(edit: TelemetryEdit): string {
  return typeof edit.value === 'string' ? JSON.stringify(edit.flag === 'url' ? safeUrl(edit.value) : edit.value) : String(edit.value);
}

/** Writes `text` to `file` through a temporary file in the same folder, keeping `mode`. */
function writeAtomically(file: string, text: string, mode: number): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { mode, flag: 'wx' });
    chmodSync(temporary, mode); // the umask may have narrowed it
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Overrides the user has in the environment that would hide what was just written. */
function warnOverrides(edits: readonly TelemetryEdit[]): void {
  for (const edit of edits) {
    const value = process.env[edit.env]?.trim();
    if (!value) continue;
    if (edit.env === 'OTEL_SDK_DISABLED' && !/^true$/i.test(value)) continue;
    process.stderr.write(`secure-mcp-gateway: note: $${edit.env} is set in this environment and overrides ${edit.path.join('.')} when the gateway runs.\n`);
  }
}

type JsonObject = { [key: string]: unknown };

function initialConfig(edits: readonly TelemetryEdit[]): JsonObject {
  const configId = randomUUID();
  const projectId = randomUUID();
  const userId = randomUUID();
  const gatewayKey = randomBytes(32).toString('base64url');
  const policy = (name: string) => ({ enabled: false, policy_name: name, additional_config: { pii_redaction: false }, block: [] });
  const config: JsonObject = {
    admin_apikey: randomBytes(32).toString('base64url'),
    common_mcp_gateway_config: {
      enkrypt_log_level: 'INFO',
      enkrypt_use_remote_mcp_config: false,
      enkrypt_tool_cache_expiration: 4,
      enkrypt_gateway_cache_expiration: 24,
      timeout_settings: {
        default_timeout: 30,
        guardrail_timeout: 15,
        auth_timeout: 10,
        tool_execution_timeout: 60,
        discovery_timeout: 20,
        cache_timeout: 5,
        connectivity_timeout: 2,
        escalation_policies: { warn_threshold: 0.8, timeout_threshold: 1.0, fail_threshold: 1.2 },
      },
    },
    mcp_configs: {
      [configId]: {
        mcp_config_name: 'default_config',
        mcp_config: [
          {
            server_name: 'demo_server',
            description: 'The demo upstream MCP server shipped with the gateway: answer, slow, fail, crash, lookup_customer, get_weather.',
            config: { command: 'node', args: [fileURLToPath(new URL('./upstream-server.js', import.meta.url))], env: {} },
            tools: {},
            enable_tool_guardrails: true,
            input_guardrails_policy: policy('Default input policy'),
            output_guardrails_policy: policy('Default output policy'),
          },
        ],
      },
    },
    projects: { [projectId]: { project_name: 'default_project', mcp_config_id: configId, users: [userId] } },
    users: { [userId]: { email: 'default@example.com' } },
    apikeys: { [gatewayKey]: { project_id: projectId, user_id: userId } },
    plugins: {
      guardrails: { provider: 'local' },
      telemetry: {
        provider: 'opentelemetry',
        config: { enabled: true, url: 'http://localhost:4317', insecure: true, service_name: 'secure-mcp-gateway', job_name: 'enkryptai' },
      },
    },
  };
  for (const edit of edits) {
    let target = config;
    for (const key of edit.path.slice(0, -1)) target = target[key] as JsonObject;
    target[edit.path[edit.path.length - 1]!] = edit.value;
  }
  return config;
}

/** `secure-mcp-gateway config init`. */
export async function configInit(values: ParsedValues): Promise<number> {
  const edits = telemetryEdits(CONFIG_INIT, values);
  const fromEnv = process.env[CONFIG_ENV]?.trim();
  const file = path.resolve((values.config as string | undefined) ?? (fromEnv || homeConfigPath()));
  if (existsSync(file) && values.force !== true) {
    process.stderr.write(`secure-mcp-gateway: ${file} already exists; nothing was written. Pass --force to replace it, or "config telemetry" to change its telemetry block.\n`);
    return 1;
  }
  const config = initialConfig(edits);
  try {
    parseConfig(config, { source: file });
  } catch (error) {
    if (error instanceof GatewayConfigError) throw new UsageError(describeIssues(error.issues, edits), CONFIG_INIT);
    throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // The file holds the gateway and admin keys: readable by its owner only.
  writeAtomically(file, `${JSON.stringify(config, null, 2)}\n`, 0o600);
  const telemetry = (config.plugins as { telemetry: { provider: string; config: { url: string; enabled: boolean } } }).telemetry;
  process.stdout.write(
    `Wrote ${file}\n` +
      `  telemetry: provider "${telemetry.provider}", ${telemetry.config.enabled ? `exporting to ${safeUrl(telemetry.config.url)}` : 'disabled'}\n` +
      '  a new gateway key (under "apikeys") and admin key ("admin_apikey") were generated: the file is readable by you only.\n' +
      `Next: secure-mcp-gateway doctor --config ${file}\n`,
  );
  warnOverrides(edits);
  return 0;
}

/** Indentation and line ends of `text`, so inserted keys look like their neighbours. */
function formattingOf(text: string): FormattingOptions {
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? '  ';
  return { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/**
 * Sets one value in JSON text, touching nothing else: an existing value is replaced where it
 * stands; a new key goes into its object formatted like a multi-line object's other keys, or
 * inline when that object is written on one line (an empty one follows the document).
 */
function setJsonValue(text: string, keys: readonly string[], value: unknown): string {
  const tree = parseTree(text);
  if (tree && findNodeAtLocation(tree, [...keys])) return applyEdits(text, modify(text, [...keys], value, {}));
  let parent = tree;
  for (let depth = keys.length - 1; depth > 0 && tree; depth -= 1) {
    const node = findNodeAtLocation(tree, keys.slice(0, depth));
    if (node) {
      parent = node;
      break;
    }
  }
  const parentText = parent ? text.slice(parent.offset, parent.offset + parent.length) : '';
  // An empty `{}` takes the layout of the document around it.
  const multiline = parentText.includes('\n') || (/^\{\s*\}$/.test(parentText) && text.trim().includes('\n'));
  if (multiline) return applyEdits(text, modify(text, [...keys], value, { formattingOptions: formattingOf(text) }));
  const spaced = parentText.includes(', ');
  const edits = modify(text, [...keys], value, {}).map((edit) => (spaced ? { ...edit, content: edit.content.replace(/^,(?=\S)/, ', ') } : edit));
  return applyEdits(text, edits);
}

/** `secure-mcp-gateway config telemetry`. */
export async function configTelemetry(values: ParsedValues): Promise<number> {
  const edits = telemetryEdits(CONFIG_TELEMETRY, values);
  const location = findConfig({ flag: values.config as string | undefined });
  if (!location.found) throw new UsageError(`${location.message} ${location.fix}`, CONFIG_TELEMETRY);
  const file = realpathSync(location.path);
  let text: string;
  let current: unknown;
  try {
    text = readFileSync(file, 'utf8');
    current = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    // Core's reader says where the JSON breaks (line and column).
    let reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    try {
      parseGatewayConfig(readFileSync(file, 'utf8'), { source: file });
    } catch (coreError) {
      if (coreError instanceof ConfigError) reason = coreError.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    }
    throw new UsageError(`cannot read ${file}: ${reason}`, CONFIG_TELEMETRY);
  }
  if (current === null || typeof current !== 'object' || Array.isArray(current)) {
    throw new UsageError(`cannot edit ${file}: expected a JSON object at the top`, CONFIG_TELEMETRY);
  }
  if (edits.length === 0) {
    const telemetry = ((current as { plugins?: { telemetry?: unknown } }).plugins?.telemetry ?? null);
    process.stdout.write(`${file}: plugins.telemetry =\n${JSON.stringify(telemetry, null, 2)}\n`);
    return 0;
  }
  let updated = text;
  for (const edit of edits) updated = setJsonValue(updated, edit.path, edit.value);
  try {
    parseGatewayConfig(updated, { source: file });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`not written, ${file} would be invalid: ${describeIssues(error.issues, edits)}`, CONFIG_TELEMETRY);
    throw error;
  }
  writeAtomically(file, updated, statSync(file).mode & 0o7777);
  const lines = edits.map((edit) => `  ${edit.path.join('.')} = ${shown(edit)}`);
  process.stdout.write(`Updated ${file}\n${lines.join('\n')}\n`);
  warnOverrides(edits);
  return 0;
}
