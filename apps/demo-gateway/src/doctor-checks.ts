import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import {
  ConfigError,
  loadProvider,
  ProviderLoadError,
  resolveTelemetrySettings,
  safeUrl,
  type ProviderInstance,
  type TelemetryDiagnostics,
  type TelemetryProvider,
  type TelemetrySettings,
} from '@secure-mcp-gateway/telemetry-core';
import { GatewayConfigError, loadConfig, type LoadedGatewayConfig, type ServerConfig } from './config';
import { findConfig } from './config-file';
import { PACKAGE_VERSION } from './version';

/**
 * `doctor`'s checks of what the config says, in the order the gateway meets them: the file, the
 * telemetry settings, the provider (loaded through core's `loadProvider`, as core loads it), the
 * Prometheus port, the backend (the provider's own `checkConnectivity` on an instance created as
 * core creates it), and each upstream server's command.
 */

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  /** False only for `fail`. */
  readonly ok: boolean;
  /** What was tried and what happened. */
  readonly detail: string;
  /** What to do about it (failures only). */
  readonly fix?: string;
}

export interface ConfigCheckOptions {
  /** `--config`, when given. */
  readonly configFlag?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Per-check timeout; default the config's connectivity_timeout. */
  readonly timeoutMs?: number | undefined;
  /** No config in the default places is a skip, not a failure (`doctor --stack` before any gateway is set up). */
  readonly configOptional?: boolean;
}

export interface ConfigCheckReport {
  /** The config file checked, when one was found. */
  readonly config: string | undefined;
  readonly checks: CheckResult[];
}

const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', ok: true, detail });
const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', ok: true, detail });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', ok: false, detail, fix });

/** Resolves with `work`'s value, or `undefined` after `ms` (the timer never holds the process). */
async function within<T>(work: () => Promise<T> | T, ms: number): Promise<{ value: T } | { error: unknown } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve().then(work).then((value) => ({ value }), (error: unknown) => ({ error })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const CONFIG = 'Config file';
const SETTINGS = 'Telemetry settings';
const PROVIDER = 'Telemetry provider';
const BACKEND = 'Telemetry backend';
const PROMETHEUS = 'Prometheus port';

function checkConfigFile(options: ConfigCheckOptions): { result: CheckResult; config?: LoadedGatewayConfig; path?: string } {
  const location = findConfig({ flag: options.configFlag, env: options.env, cwd: options.cwd });
  if (!location.found) {
    if (options.configOptional && !location.explicit) return { result: skip(CONFIG, `${location.message} Only the stack was checked.`) };
    return { result: fail(CONFIG, location.message, location.fix) };
  }
  try {
    const config = loadConfig(location.path);
    const servers = Object.values(config.gateway.mcp_configs).reduce((n, c) => n + c.mcp_config.length, 0);
    const keys = Object.keys(config.gateway.apikeys).length;
    const result =
      keys === 0
        ? fail(CONFIG, `${location.path} (from ${location.source}) is valid but has no gateway key: no client can connect.`, 'Add an entry under "apikeys" (see "secure-mcp-gateway config init").')
        : pass(CONFIG, `${location.path} (from ${location.source}): valid; ${servers} upstream server(s), ${keys} gateway key(s).`);
    return { result, config, path: location.path };
  } catch (error) {
    if (!(error instanceof GatewayConfigError)) throw error;
    return { result: fail(CONFIG, error.message, `Fix each listed path in ${location.path} and run doctor again.`), path: location.path };
  }
}

function collectingDiagnostics(into: string[]): TelemetryDiagnostics {
  const push = (message: string) => {
    if (into.length < 5) into.push(message);
  };
  return { debug() {}, warn: push, error: push };
}

async function checkProvider(settings: TelemetrySettings, configDir: string, cwd: string): Promise<{ result: CheckResult; provider?: TelemetryProvider }> {
  let provider: TelemetryProvider;
  try {
    provider = await loadProvider(settings.provider, { configDir, cwd });
  } catch (error) {
    if (!(error instanceof ProviderLoadError)) throw error;
    const fix =
      error.code === 'NOT_FOUND'
        ? `Install ${error.resolvedName} where the gateway looks for it: next to the config (${configDir}) or in the working directory the gateway starts in (${cwd}); or set plugins.telemetry.provider (or $ENKRYPT_TELEMETRY_PROVIDER) to an installed provider.`
        : 'Check plugins.telemetry.provider (or $ENKRYPT_TELEMETRY_PROVIDER): the message says what is wrong with the package.';
    return { result: fail(PROVIDER, error.message, fix) };
  }
  return { result: pass(PROVIDER, `"${settings.provider}" loads: ${provider.meta.name} ${provider.meta.version} (works with core ${provider.meta.core}).`), provider };
}

async function providerConfig(provider: TelemetryProvider, raw: Record<string, unknown>): Promise<{ value: unknown } | { issues: string }> {
  if (!provider.configSchema) return { value: raw };
  const result = await provider.configSchema['~standard'].validate(raw);
  if (!result.issues) return { value: result.value };
  const issues = result.issues.map((issue) => {
    const segments = (issue.path ?? []).map((s) => String(typeof s === 'object' && s !== null ? s.key : s));
    return `plugins.telemetry.config${segments.length ? `.${segments.join('.')}` : ''}: ${issue.message}`;
  });
  return { issues: issues.join('; ') };
}

/** The start of a Prometheus text exposition: a comment (`# HELP`, `# no registered metrics`), a sample, or nothing. */
const PROMETHEUS_TEXT = /^(?:$|# |[A-Za-z_:][\w:]*[{ ])/;

/** Free (bindable) or serving Prometheus metrics; anything else is a failure. */
async function checkPrometheusPort(settings: TelemetrySettings, raw: Record<string, unknown>, timeoutMs: number): Promise<CheckResult> {
  const port = settings.prometheusPort;
  if (port === undefined) return skip(PROMETHEUS, 'no prometheus_port in plugins.telemetry.config: no scrape endpoint is served.');
  if (port === 0) return pass(PROMETHEUS, 'prometheus_port is 0: the provider takes any free port.');
  const host = typeof raw.prometheus_host === 'string' && raw.prometheus_host ? raw.prometheus_host : '127.0.0.1';
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const bind = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
  if (!bind) return pass(PROMETHEUS, `${where} is free: the gateway can serve /metrics there.`);
  if (bind.code !== 'EADDRINUSE') {
    return fail(PROMETHEUS, `cannot listen on ${where}: ${bind.code ?? bind.message}.`, bind.code === 'EACCES' ? 'Ports below 1024 need privileges: choose a port above 1024 (prometheus_port).' : 'Check prometheus_port and prometheus_host.');
  }
  const url = `http://${where}/metrics`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    if (response.ok && PROMETHEUS_TEXT.test(body.slice(0, 4096).trimStart())) {
      return pass(PROMETHEUS, `${where} is in use and serves Prometheus metrics (GET ${url} → ${response.status}): a gateway is probably running.`);
    }
    return fail(PROMETHEUS, `${where} is in use by something that is not a Prometheus endpoint (GET ${url} → ${response.status}).`, 'Choose a free prometheus_port (or 0 for any free port), or stop what holds the port.');
  } catch (error) {
    return fail(PROMETHEUS, `${where} is in use, and GET ${url} failed (${errorText(error)}).`, 'Choose a free prometheus_port (or 0 for any free port), or stop what holds the port.');
  }
}

async function checkBackend(provider: TelemetryProvider, config: unknown, settings: TelemetrySettings, configDir: string, env: Readonly<Record<string, string | undefined>>, timeoutMs: number): Promise<CheckResult> {
  const name = `${BACKEND} (${safeUrl(settings.url)})`;
  const warnings: string[] = [];
  // As core creates it, minus the scrape endpoint: the port was checked above, and a running
  // gateway may hold it.
  const created = await within(
    () =>
      provider.create(config as never, {
        settings: { ...settings, prometheusPort: undefined },
        stdoutReserved: true,
        configDir,
        env,
        diagnostics: collectingDiagnostics(warnings),
        serviceVersion: PACKAGE_VERSION,
      }),
    5000,
  );
  if (!created || 'error' in created) {
    const why = created ? errorText(created.error) : 'create() did not finish within 5000 ms';
    return fail(name, `provider "${provider.meta.name}" failed to start: ${why}.`, 'Fix the setting the message names in plugins.telemetry.config; the gateway would run with telemetry off.');
  }
  const instance: ProviderInstance = created.value;
  try {
    if (!instance.checkConnectivity) return skip(name, `provider "${provider.meta.name}" has no backend to reach.`);
    const checked = await within(() => instance.checkConnectivity!(timeoutMs), timeoutMs + 1000);
    if (!checked) return fail(name, `the connectivity check did not answer within ${timeoutMs} ms.`, 'Check plugins.telemetry.config.url and that the collector is up.');
    if ('error' in checked) return fail(name, `the connectivity check failed: ${errorText(checked.error)}.`, 'Check plugins.telemetry.config.url and that the collector is up.');
    const result = checked.value;
    return result.ok
      ? pass(name, result.detail)
      : fail(name, result.detail, result.hint ?? 'Start the collector, or set plugins.telemetry.config.url to where one listens; "secure-mcp-gateway config telemetry --url URL".');
  } finally {
    await within(() => instance.shutdown(), 2000);
  }
}

/** A command as the MCP SDK's stdio client spawns it: a path (relative to the server's cwd) or a name on PATH. */
function resolveCommand(command: string, cwd: string, pathVariable: string | undefined): string | undefined {
  const executable = (file: string): boolean => {
    try {
      return statSync(file).isFile() && (accessSync(file, constants.X_OK), true);
    } catch {
      return false;
    }
  };
  if (command.includes('/') || command.includes(path.sep)) {
    const file = path.resolve(cwd, command);
    return executable(file) ? file : undefined;
  }
  for (const dir of (pathVariable ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, command);
    if (executable(file)) return file;
  }
  return undefined;
}

const SCRIPT = /\.(?:[cm]?js|ts|py)$/;

function checkServer(server: ServerConfig, configDir: string, env: Readonly<Record<string, string | undefined>>): CheckResult {
  const name = `Upstream server "${server.server_name}"`;
  const cwd = server.config.cwd ? path.resolve(configDir, server.config.cwd) : configDir;
  if (!existsSync(cwd)) return fail(name, `its cwd ${cwd} does not exist.`, `Fix config.cwd of "${server.server_name}" (relative paths start at the config file's folder).`);
  const pathVariable = server.config.env.PATH ?? env.PATH;
  const resolved = resolveCommand(server.config.command, cwd, pathVariable);
  if (!resolved) {
    const where = server.config.command.includes('/') ? `as a path from ${cwd}` : 'on PATH';
    return fail(name, `command "${server.config.command}" not found ${where}.`, `Install it, or set config.command of "${server.server_name}" to its absolute path.`);
  }
  const script = server.config.args[0];
  if (script && !script.startsWith('-') && SCRIPT.test(script) && !existsSync(path.resolve(cwd, script))) {
    return fail(name, `command "${server.config.command}" → ${resolved}, but its script ${path.resolve(cwd, script)} does not exist.`, `Fix config.args of "${server.server_name}" (relative paths start at ${cwd}).`);
  }
  return pass(name, `command "${server.config.command}" → ${resolved}${script && SCRIPT.test(script) ? `, script ${path.resolve(cwd, script)}` : ''}.`);
}

/** Every check of the config, in order; later checks are left out when what they need failed. */
export async function runConfigChecks(options: ConfigCheckOptions = {}): Promise<ConfigCheckReport> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const checks: CheckResult[] = [];
  const file = checkConfigFile(options);
  checks.push(file.result);
  if (!file.config) return { config: file.path, checks };
  const { config } = file;

  let settings: TelemetrySettings | undefined;
  // A bad OTEL_* variable is ignored by the gateway (with a warning); doctor reports it as a finding.
  const ignored: string[] = [];
  try {
    settings = resolveTelemetrySettings(config.raw, { env, configDir: config.dir, cwd, onWarning: (issue) => ignored.push(`${issue.path}: ${issue.message}`) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    checks.push(fail(SETTINGS, error.message, 'Fix or unset each variable listed.'));
  }
  if (ignored.length > 0) {
    checks.push(fail(SETTINGS, `the gateway ignores ${ignored.length === 1 ? 'this variable' : 'these variables'} (the other settings apply): ${ignored.join('; ')}.`, 'Fix or unset each variable listed.'));
  }
  if (settings && !settings.enabled) {
    const why = /^true$/i.test(env.OTEL_SDK_DISABLED?.trim() ?? '') ? 'OTEL_SDK_DISABLED=true' : 'plugins.telemetry.config.enabled is false';
    checks.push(skip(PROVIDER, `telemetry is disabled (${why}): nothing is exported; log records at WARNING and above (or at enkrypt_log_level, if higher) still go to stderr.`));
  } else if (settings) {
    const timeoutMs = options.timeoutMs ?? settings.connectivityTimeoutMs;
    const raw = ((config.raw.plugins as { telemetry?: { config?: Record<string, unknown> } } | undefined)?.telemetry?.config ?? {}) as Record<string, unknown>;
    const loaded = await checkProvider(settings, config.dir, cwd);
    if (loaded.provider) {
      const validated = await providerConfig(loaded.provider, raw);
      if ('issues' in validated) {
        checks.push(fail(PROVIDER, `provider "${loaded.provider.meta.name}" rejects its config: ${validated.issues}.`, `Fix each listed path in ${file.path}.`));
      } else {
        checks.push(loaded.result);
        checks.push(await checkPrometheusPort(settings, raw, timeoutMs));
        checks.push(await checkBackend(loaded.provider, validated.value, settings, config.dir, env, timeoutMs));
      }
    } else checks.push(loaded.result);
  }
  for (const server of Object.values(config.gateway.mcp_configs).flatMap((c) => c.mcp_config)) checks.push(checkServer(server, config.dir, env));
  return { config: file.path, checks };
}
