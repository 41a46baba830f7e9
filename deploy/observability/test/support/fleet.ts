/**
 * A fleet of demo gateway replicas behind one Prometheus: the replicas (separate processes, one
 * `service.instance.id` each, Prometheus endpoint on port 0), Prometheus on the stack's file-SD
 * `gateway` job, and the targets file that ties them, each replica's `instance` label set to its
 * service.instance.id (so a replica restarted on other ports keeps its series).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPrometheus, testConfig, type PrometheusServer } from './prometheus-server.ts';
import { GATEWAY_PACKAGE, startReplica, type Replica } from './replica.ts';
import { waitFor } from './wait.ts';

export interface Fleet {
  readonly prometheus: PrometheusServer;
  readonly replicas: Map<string, Replica>;
  /** The gateway key of the replicas' config. */
  readonly gatewayKey: string;
  /** Resolves once Prometheus holds a scrape of each of `ids` taken after `sinceMs`, with that `up` value. */
  scrapedAfter(ids: readonly string[], sinceMs: number, up?: 0 | 1): Promise<void>;
  /** A new process under the same identity (new ports); the targets file follows. */
  restart(id: string): Promise<Replica>;
  stop(): Promise<void>;
}

/**
 * The demo's example config, telemetry switched to the OpenTelemetry provider over OTLP/HTTP, and
 * budgets a loaded 2-core machine meets (no call here is meant to time out, an upstream's first
 * start included).
 */
function writeReplicaConfig(file: string, otlpUrl: string, serviceName: string): string {
  const example = path.join(GATEWAY_PACKAGE, 'examples/enkrypt_mcp_config.json');
  const config = JSON.parse(readFileSync(example, 'utf8')) as {
    common_mcp_gateway_config: { timeout_settings: Record<string, unknown> };
    mcp_configs: Record<string, { mcp_config: { config: { args: string[] }; tool_timeout?: number }[] }>;
    apikeys: Record<string, unknown>;
    plugins: { telemetry: { provider: string; config: Record<string, unknown> } };
  };
  for (const server of Object.values(config.mcp_configs).flatMap((c) => c.mcp_config)) {
    // Relative paths in the example are relative to the example's folder; this copy lives elsewhere.
    server.config.args = server.config.args.map((a) => (a.startsWith('.') ? path.resolve(path.dirname(example), a) : a));
    server.tool_timeout = 20;
  }
  Object.assign(config.common_mcp_gateway_config.timeout_settings, { discovery_timeout: 30, connectivity_timeout: 20, guardrail_timeout: 20, tool_execution_timeout: 30 });
  config.plugins.telemetry = {
    provider: 'opentelemetry',
    config: {
      ...config.plugins.telemetry.config,
      url: otlpUrl,
      protocol: 'http/protobuf',
      insecure: true,
      service_name: serviceName,
      metric_export_interval_ms: 1000,
      // Port 0: each replica binds its own; the fleet reads it back from the process.
      prometheus_port: 0,
      prometheus_host: '127.0.0.1',
      log_mirror: 'none',
    },
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return Object.keys(config.apikeys)[0]!;
}

export async function startFleet(options: { ids: readonly string[]; dir: string; otlpUrl: string; serviceName: string }): Promise<Fleet> {
  const configFile = path.join(options.dir, 'enkrypt_mcp_config.json');
  const targetsFile = path.join(options.dir, 'gateways.json');
  const gatewayKey = writeReplicaConfig(configFile, options.otlpUrl, options.serviceName);
  const replicas = new Map<string, Replica>();
  const writeTargets = () => {
    const groups = [...replicas.values()].map((r) => ({ targets: [r.metricsAddress], labels: { instance: r.instanceId } }));
    // Prometheus watches the file: replace it whole (rename), never let it read half a write.
    writeFileSync(`${targetsFile}.new`, JSON.stringify(groups));
    renameSync(`${targetsFile}.new`, targetsFile);
  };
  writeTargets();
  const [prometheus, ...started] = await Promise.all([
    startPrometheus(testConfig('gateway', targetsFile), options.dir),
    ...options.ids.map((id) => startReplica({ instanceId: id, configFile })),
  ]);
  for (const r of started as Replica[]) replicas.set(r.instanceId, r);
  writeTargets();

  const fleet: Fleet = {
    prometheus: prometheus as PrometheusServer,
    replicas,
    gatewayKey,
    async scrapedAfter(ids, sinceMs, up = 1) {
      await waitFor(`a scrape of ${ids.join(', ')} after ${new Date(sinceMs).toISOString()} with up=${up}`, async () => {
        const [values, stamps] = await Promise.all([fleet.prometheus.query('up{job="gateway"}'), fleet.prometheus.query('timestamp(up{job="gateway"})')]);
        // timestamp() of a plain selector is the scrape's own time.
        const ok = ids.every((id) => {
          const at = stamps.find((s) => s.metric.instance === id);
          const value = values.find((s) => s.metric.instance === id);
          return at !== undefined && Number(at.value[1]) * 1000 > sinceMs && value !== undefined && Number(value.value[1]) === up;
        });
        return ok ? true : undefined;
      }, 30_000);
    },
    async restart(id) {
      const replica = await startReplica({ instanceId: id, configFile });
      replicas.set(id, replica);
      writeTargets();
      return replica;
    },
    async stop() {
      await Promise.all([...replicas.values()].map((r) => r.stop()));
      await fleet.prometheus.stop();
    },
  };
  await fleet.scrapedAfter(options.ids, Date.now());
  return fleet;
}
