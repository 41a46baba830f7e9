/**
 * `secure-mcp-gateway demo` (`pnpm demo`): runs the gateway in this process on the stdout provider (logs go to a file),
 * drives it with a real MCP client over Streamable HTTP through a scripted scenario, and
 * prints what each call did and the value of every gateway-recorded catalog metric afterwards.
 *
 *   secure-mcp-gateway demo                      stdout provider, no external service
 *   secure-mcp-gateway demo --otlp URL           the OpenTelemetry provider, exporting to a collector
 *   secure-mcp-gateway demo --log-file PATH      where the gateway's JSON log lines go
 *
 * Reading metric values honestly: the stdout provider has no metrics, so the gateway's recorders
 * (`createGatewayMetrics`) are built on a tee of two meters: core's `getMeter()` (the configured
 * provider's, exported as usual with `--otlp`) and a meter of core's in-memory provider
 * (`@secure-mcp-gateway/telemetry-core/testing`), which the summary reads. Every value printed
 * was recorded at the real point of a real request, whatever state the provider is in.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, DEFAULT_TELEMETRY_SETTINGS, getMeter, initTelemetry, parseGatewayConfig, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import { createInMemoryProvider, type InMemoryTelemetry } from '@secure-mcp-gateway/telemetry-core/testing';
import { UsageError, type ParsedValues } from './argv';
import { DEMO } from './commands';
import { createGatewayMetrics, GATEWAY_METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import type { LoadedGatewayConfig } from './config';
import { loadConfigFor } from './config-file';
import { Gateway, GATEWAY_VERSION, UPSTREAM_TRACE_META_KEY } from './gateway';
import { runScenario, type ScenarioStep } from './scenario';
import { teeMeter } from './tee';
import { serveHttp } from './transports';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEMO_KEY = 'demo-gateway-key-4f1a9c2e7b3d';
const SERVER = 'demo_server';

const out = (line = '') => process.stdout.write(`${line}\n`);
const pad = (s: string, n: number) => (s.length >= n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

function formatAttrs(attributes: Record<string, unknown>): string {
  const entries = Object.entries(attributes);
  return entries.length === 0 ? '' : entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}

/** Every gateway-recorded catalog instrument: total, and the value per attribute set. */
function metricReport(mem: InMemoryTelemetry): string[] {
  mem.collect();
  const lines: string[] = [];
  for (const def of GATEWAY_METRIC_DEFINITIONS) {
    const ms = mem.measurements.filter((m) => m.name === def.name);
    const groups = new Map<string, { attrs: Record<string, unknown>; values: number[] }>();
    for (const m of ms) {
      const key = formatAttrs(m.attributes);
      const g = groups.get(key) ?? { attrs: m.attributes, values: [] };
      g.values.push(m.value);
      groups.set(key, g);
    }
    let total: string;
    const parts: string[] = [];
    if (def.kind === 'histogram') {
      const all = mem.histogramValues(def.name);
      total = `${all.length} obs, sum ${round(all.reduce((a, b) => a + b, 0))}s`;
      for (const [key, g] of groups) parts.push(`${key || '(none)'}: ${g.values.length}×, Σ ${round(g.values.reduce((a, b) => a + b, 0))}s`);
    } else if (def.kind === 'observableGauge') {
      const latest = new Map<string, number>();
      for (const m of ms) latest.set(formatAttrs(m.attributes), m.value);
      total = [...latest.values()].reduce((a, b) => a + b, 0).toString();
      for (const [key, v] of latest) parts.push(`${key || '(none)'}: ${v}`);
    } else {
      total = round(mem.counterValue(def.name));
      for (const [key, g] of groups) parts.push(`${key || '(none)'}: ${round(g.values.reduce((a, b) => a + b, 0))}`);
    }
    lines.push(`  ${pad(def.name, 45)} ${pad(def.kind, 16)} ${total}`);
    for (const p of parts.slice(0, 8)) lines.push(`  ${' '.repeat(45)}   ${p}`);
    if (parts.length > 8) lines.push(`  ${' '.repeat(45)}   … ${parts.length - 8} more attribute sets`);
  }
  return lines;
}

interface DemoOptions {
  readonly otlp: string | undefined;
  readonly config: string;
  readonly 'log-file': string;
}

/** The --otlp URL checked with core's schema, so a typo gets core's own message. */
function checkOtlpUrl(url: string): void {
  try {
    parseGatewayConfig({ plugins: { telemetry: { config: { url } } } }, { source: '--otlp' });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`option --otlp: ${error.issues[0]?.message ?? error.message}`, DEMO);
    throw error;
  }
}

/** `secure-mcp-gateway demo`. */
export async function demo(parsed: ParsedValues): Promise<number> {
  const values: DemoOptions = {
    otlp: parsed.otlp as string | undefined,
    config: (parsed.config as string | undefined) ?? path.resolve(here, '../examples/enkrypt_mcp_config.json'),
    'log-file': (parsed['log-file'] as string | undefined) ?? path.join(tmpdir(), `secure-mcp-gateway-demo-${process.pid}.log`),
  };
  if (values.otlp !== undefined) checkOtlpUrl(values.otlp);
  await runDemo(values, loadConfigFor(DEMO, values.config));
  return 0;
}

async function runDemo(values: DemoOptions, config: LoadedGatewayConfig): Promise<void> {
  const started = performance.now();
  const providerName = values.otlp ? 'opentelemetry' : 'stdout';
  const logFile = path.resolve(values['log-file']);

  // The provider is named in the config and found by core's discovery, as in the CLI; no
  // provider is imported by this app.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document edited in place
  const telemetry = structuredClone(config.raw) as Record<string, any>;
  telemetry.plugins = {
    ...telemetry.plugins,
    telemetry: {
      provider: providerName,
      config: {
        ...telemetry.plugins?.telemetry?.config,
        format: 'json',
        destination: logFile, // stdout provider
        log_mirror: logFile, // OpenTelemetry provider's local copy of each log line
        ...(values.otlp ? { url: values.otlp, metric_export_interval_ms: 1000 } : {}),
      },
    },
  };
  const status = await initTelemetry({ config: telemetry, cwd: config.dir, serviceVersion: GATEWAY_VERSION, installShutdownHooks: false });
  const mem = createInMemoryProvider();
  const quiet = { debug() {}, warn() {}, error() {} };
  const reader = await mem.provider.create({}, {
    settings: status.settings ?? DEFAULT_TELEMETRY_SETTINGS,
    stdoutReserved: false,
    configDir: config.dir,
    env: process.env,
    diagnostics: quiet,
  });
  const metrics = createGatewayMetrics(teeMeter(getMeter('secure-mcp-gateway', GATEWAY_VERSION), reader.meter('secure-mcp-gateway', GATEWAY_VERSION)));
  if (values.otlp) {
    // The upstream server exports its spans to the same collector.
    for (const server of Object.values(config.gateway.mcp_configs).flatMap((c) => c.mcp_config)) {
      server.config.env = { ...server.config.env, ENKRYPT_TELEMETRY_PROVIDER: 'opentelemetry', DEMO_UPSTREAM_OTLP_URL: values.otlp };
    }
  }
  const gateway = new Gateway({ config, metrics });
  const http = await serveHttp(gateway);
  const budget = (config.gateway.mcp_configs[Object.keys(config.gateway.mcp_configs)[0]!]?.mcp_config.find((s) => s.server_name === SERVER)?.tool_timeout ?? 1.5);

  out(`Secure MCP Gateway demo`);
  out(`  gateway     in this process, MCP over Streamable HTTP at ${http.url}`);
  out(`  telemetry   provider "${providerName}" loaded by core (${status.state}${status.state === 'active' ? '' : ': see the warning on stderr; the summary still reads every metric'})`);
  out(`  logs        ${logFile}${values.otlp ? ` (and OTLP to ${values.otlp})` : ''}`);
  out(`  upstream    "${SERVER}" (node dist/upstream-server.js over stdio), tool budget ${budget} s, escalation warn 0.8 / timeout 1.0 / fail 1.2`);
  out();
  out(`  #  ${pad('step', 34)} ${pad('outcome', 10)} ${pad('trace (client → gateway → upstream)', 38)} detail`);

  let sampled: { sessions: number; users: number } | undefined;
  let n = 0;
  const steps: ScenarioStep[] = await runScenario({
    url: http.url,
    key: DEMO_KEY,
    server: SERVER,
    budgetSeconds: budget,
    waitForFailLevel: async () => {
      const until = Date.now() + budget * 1000;
      while (Date.now() < until) {
        const ops = gateway.timeouts.snapshot().operations as Record<string, { escalations: { fail: number } }>;
        if ((ops.tool_call?.escalations.fail ?? 0) >= 1) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    beforeClose: () => {
      sampled = {
        sessions: mem.gaugeValue('enkrypt_active_sessions', { transport: 'http' }) ?? 0,
        users: mem.gaugeValue('enkrypt_active_users') ?? 0,
      };
    },
    onStep: (step) => {
      n += 1;
      const upstream = step.call.body && (step.call.body.results as { upstream_meta?: Record<string, { trace_id?: string }> }[] | undefined)?.[0]?.upstream_meta?.[UPSTREAM_TRACE_META_KEY];
      const trace = !step.call.traceId ? '-' : `${step.call.traceId.slice(0, 12)}…${upstream?.trace_id ? (upstream.trace_id === step.call.traceId ? ' ✓ upstream' : ' ✗ upstream') : ''}`;
      out(`${String(n).padStart(3)}  ${pad(step.label, 34)} ${pad(step.outcome, 10)} ${pad(trace, 38)} ${step.detail}`);
    },
  });
  void steps;
  // Let the session-close requests land before reading the gauges again.
  await new Promise((r) => setTimeout(r, 100));

  out();
  out(`Metrics after the scenario (every catalog instrument the gateway records; read from an in-memory meter teed with the provider's):`);
  for (const line of metricReport(mem)) out(line);
  out();
  out(`  live gauges while the scenario's session was open: enkrypt_active_sessions{transport=http}=${sampled?.sessions ?? '?'}, enkrypt_active_users=${sampled?.users ?? '?'}`);
  out(`  after every session closed:                         enkrypt_active_sessions{transport=http}=${mem.gaugeValue('enkrypt_active_sessions', { transport: 'http' }) ?? 0}, enkrypt_active_users=${mem.gaugeValue('enkrypt_active_users') ?? 0}`);

  await http.close();
  await gateway.close();
  await reader.shutdown();
  await shutdownTelemetry({ timeoutMs: 5000 });
  out();
  out(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Gateway log lines: ${logFile}`);
}
