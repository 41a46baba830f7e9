import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_TELEMETRY_SETTINGS,
  ensureContextManager,
  parseGatewayConfig,
  resolveTelemetrySettings,
  type ProviderContext,
  type TelemetrySettings,
} from '@secure-mcp-gateway/telemetry-core';
import { startOtlpReceiver, type OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import provider, { type OpenTelemetryProviderInstance } from '../src/index';

export interface Started {
  instance: OpenTelemetryProviderInstance;
  /** Diagnostics the provider reported (message + fields as JSON). */
  warnings: string[];
  logFile: string;
  /** JSON-line objects the log mirror has written so far. */
  readLogs(): Record<string, unknown>[];
}

const dirs: string[] = [];
const running: OpenTelemetryProviderInstance[] = [];
const receivers: OtlpReceiver[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-provider-test-'));
  dirs.push(dir);
  return dir;
}

export function readJsonLines(file: string): Record<string, unknown>[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function settings(overrides: Partial<TelemetrySettings> = {}): TelemetrySettings {
  return {
    ...DEFAULT_TELEMETRY_SETTINGS,
    provider: 'opentelemetry',
    serviceName: 'otel-provider-test',
    // short batch delay and a long metric interval: tests flush explicitly
    batch: { timeoutMs: 100, maxBatchSize: 1024, maxQueueSize: 8192 },
    metricExportIntervalMs: 60_000,
    ...overrides,
    // As core resolves the file's batch keys: they apply to log records too (OTEL_BLRP_* aside).
    logBatch: overrides.logBatch ?? overrides.batch ?? { timeoutMs: 100, maxBatchSize: 1024, maxQueueSize: 8192 },
  };
}

/** Creates an instance as core would (config through the provider's configSchema). */
export async function start(
  overrides: Partial<TelemetrySettings>,
  config: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<Started> {
  return startWith(settings(overrides), config, env);
}

/**
 * Creates an instance from a `plugins.telemetry.config` object and an environment, both resolved
 * by core as initTelemetry() does (OTEL_* over the file); `envWarnings` are core's warnings about
 * bad variables. Short batch delay and a long metric interval unless the file says otherwise.
 */
export async function startFromConfig(
  file: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<Started & { envWarnings: string[]; settings: TelemetrySettings }> {
  const envWarnings: string[] = [];
  const gatewayConfig = parseGatewayConfig({
    common_mcp_gateway_config: { timeout_settings: { connectivity_timeout: 2 } },
    plugins: { telemetry: { provider: 'opentelemetry', config: { timeout_ms: 100, metric_export_interval_ms: 60_000, service_name: 'otel-provider-test', ...file } } },
  });
  const resolved = resolveTelemetrySettings(gatewayConfig, { env, onWarning: (issue) => envWarnings.push(`${issue.path}: ${issue.message}`) });
  const started = await startWith(resolved, file, env);
  return { ...started, envWarnings, settings: resolved };
}

async function startWith(resolved: TelemetrySettings, config: Record<string, unknown>, env: Record<string, string>): Promise<Started> {
  // Core's initTelemetry registers the context manager before it creates a provider; providers do not.
  ensureContextManager();
  const dir = tempDir();
  const logFile = join(dir, 'mirror.jsonl');
  const raw = { log_mirror: logFile, ...config };
  const validated = await provider.configSchema!['~standard'].validate(raw);
  if ('issues' in validated && validated.issues) throw new Error(JSON.stringify(validated.issues));
  const warnings: string[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    warnings.push(`${level} ${message} ${fields ? JSON.stringify(fields) : ''}`);
  const ctx: ProviderContext = {
    settings: resolved,
    stdoutReserved: true,
    configDir: dir,
    env,
    diagnostics: { debug: () => {}, warn: record('WARN'), error: record('ERROR') },
    serviceVersion: '9.8.7',
  };
  const instance = (await provider.create(validated.value as never, ctx)) as OpenTelemetryProviderInstance;
  running.push(instance);
  return { instance, warnings, logFile, readLogs: () => readJsonLines(logFile) };
}

/** Starts a real OTLP receiver on 127.0.0.1 that `cleanup` closes. */
export async function receiver(options?: Parameters<typeof startOtlpReceiver>[0]): Promise<OtlpReceiver> {
  const started = await startOtlpReceiver(options);
  receivers.push(started);
  return started;
}

/** Shuts down every instance started by `start`, closes receivers, removes temp folders (call in afterEach). */
export async function cleanup(): Promise<void> {
  await Promise.allSettled(running.splice(0).map((instance) => instance.shutdown()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
