import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, resolveTelemetrySettings } from '@secure-mcp-gateway/telemetry-core';
import { at, interpolate, isObject, parseYaml, readYaml, stackPath, type JsonObject } from './helpers.ts';

const ENV = { GRAFANA_ADMIN_PASSWORD: 'test-password' };

function loadCompose(file: string, env: Record<string, string | undefined> = ENV): JsonObject {
  return parseYaml(interpolate(readFileSync(stackPath(file), 'utf8'), env), { merge: true, uniqueKeys: true }) as JsonObject;
}

const compose = loadCompose('docker-compose.yml');
const services = compose.services as Record<string, JsonObject>;

/** The table: service -> published ports (host port = container port). */
const PORT_TABLE: Record<string, number[]> = {
  'otel-collector': [4317, 4318, 8889],
  jaeger: [16686],
  loki: [3100],
  prometheus: [9090],
  grafana: [3000],
};

interface Published { host: string; published: number; target: number }

function publishedPorts(service: JsonObject): Published[] {
  return ((service.ports as unknown[] | undefined) ?? []).map((entry) => {
    if (typeof entry !== 'string') throw new Error(`use the short "host:port:port" syntax: ${JSON.stringify(entry)}`);
    const parts = entry.split(':');
    if (parts.length !== 3) throw new Error(`port ${entry} does not name a bind address`);
    return { host: parts[0]!, published: Number(parts[1]), target: Number(parts[2]) };
  });
}

/** `source:target[:mode]` bind mounts of a service, sources relative to this folder. */
function bindMounts(service: JsonObject): { source: string; target: string }[] {
  return ((service.volumes as string[] | undefined) ?? [])
    .map((v) => v.split(':'))
    .filter(([source]) => source!.startsWith('.'))
    .map(([source, target]) => ({ source: source!, target: target! }));
}

function mountFor(service: JsonObject, target: string): string | undefined {
  return bindMounts(service).find((m) => m.target === target)?.source;
}

const PINNED = /^[a-z0-9./_-]+:v?\d+\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[a-f0-9]{64})?$/;

describe('docker-compose.yml', () => {
  it('publishes exactly the ports of the table, on the configurable bind address', () => {
    const actual: Record<string, number[]> = {};
    for (const [name, service] of Object.entries(services)) {
      const ports = publishedPorts(service);
      for (const p of ports) {
        expect(p.published, `${name}: host port = container port`).toBe(p.target);
        expect(p.host, `${name} binds to 127.0.0.1 unless OBS_BIND_ADDRESS says otherwise`).toBe('127.0.0.1');
      }
      if (ports.length > 0 && name !== 'gateway') actual[name] = ports.map((p) => p.target).sort((a, b) => a - b);
    }
    expect(actual).toEqual(PORT_TABLE);
    // The optional gateway serves MCP over HTTP on 8000 (its own port, outside the table).
    expect(publishedPorts(services.gateway!).map((p) => p.target)).toEqual([8000]);
    expect(publishedPorts(loadCompose('docker-compose.yml', { ...ENV, OBS_BIND_ADDRESS: '0.0.0.0' }).services!['grafana' as never] as JsonObject)[0]!.host).toBe('0.0.0.0');
  });

  it('pins every image to an exact version (no latest, no moving tags)', () => {
    for (const moving of ['grafana/grafana:latest', 'grafana/grafana', 'prom/prometheus:v2', 'grafana/loki:3.4']) expect(moving).not.toMatch(PINNED);
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue; // built locally; its Dockerfile's base images are checked below
      expect(String(service.image), `${name} image`).toMatch(PINNED);
    }
    const dockerfile = readFileSync(stackPath('gateway/Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!).filter((b) => !/^[a-z]+$/.test(b));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base, 'gateway Dockerfile base image').toMatch(PINNED);
  });

  it('gives every long-running service a health check, and orders start-up by health', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.restart === 'no' && !service.healthcheck && !service.ports) continue; // one-shot helper
      const test = at(service, 'healthcheck', 'test');
      expect(Array.isArray(test) && test.length > 1, `${name} healthcheck`).toBe(true);
    }
    expect(at(services.grafana, 'depends_on', 'prometheus', 'condition')).toBe('service_healthy');
    expect(at(services.prometheus, 'depends_on', 'otel-collector', 'condition')).toBe('service_healthy');
    expect(at(services['otel-collector'], 'depends_on', 'jaeger', 'condition')).toBe('service_healthy');
    expect(at(services['otel-collector'], 'depends_on', 'loki', 'condition')).toBe('service_healthy');
  });

  it('lets the collector reach Jaeger and Loki at the addresses its exporters use', () => {
    const collector = readYaml('otel-collector/config.yaml');
    const jaegerTarget = String(at(collector, 'exporters', 'otlp/jaeger', 'endpoint'));
    expect(jaegerTarget.split(':')[0]).toBe('jaeger');
    expect(services.jaeger).toBeDefined();
    // Jaeger v2's built-in config binds OTLP to JAEGER_LISTEN_HOST (localhost by default).
    expect(at(services.jaeger, 'environment', 'JAEGER_LISTEN_HOST')).toBe('0.0.0.0');
    const lokiTarget = new URL(String(at(collector, 'exporters', 'otlphttp/loki', 'endpoint')));
    expect(lokiTarget.hostname).toBe('loki');
    expect(Number(lokiTarget.port)).toBe(at(readYaml('loki/loki.yaml'), 'server', 'http_listen_port'));
    // Prometheus scrapes the exporter where the collector serves it.
    const exporterPort = String(at(collector, 'exporters', 'prometheus', 'endpoint')).split(':')[1];
    const targets = ((readYaml('prometheus/prometheus.yml').scrape_configs as JsonObject[]).find((c) => c.job_name === 'otel-collector')!.static_configs as JsonObject[])[0]!.targets;
    expect(targets).toEqual([`otel-collector:${exporterPort}`]);
  });

  it('health checks probe the port each component is configured to serve health on', () => {
    const collectorHealth = String(at(readYaml('otel-collector/config.yaml'), 'extensions', 'health_check', 'endpoint'));
    const probe = (name: string): string => (at(services[name], 'healthcheck', 'test') as string[]).join(' ');
    expect(probe('otel-collector')).toContain(`:${collectorHealth.split(':')[1]}/`);
    expect(probe('loki')).toContain(`:${String(at(readYaml('loki/loki.yaml'), 'server', 'http_listen_port'))}/ready`);
    expect(probe('prometheus')).toContain(':9090/-/ready');
    expect(probe('grafana')).toContain(':3000/api/health');
    expect(probe('jaeger')).toContain(':13133/status');
  });

  it('runs the gateway only with the `gateway` profile; the backends always', () => {
    expect(services.gateway?.profiles).toEqual(['gateway']);
    for (const [name, service] of Object.entries(services)) if (name !== 'gateway') expect(service.profiles, name).toBeUndefined();
    expect(at(services.gateway, 'depends_on', 'otel-collector', 'condition')).toBe('service_healthy');
  });

  it('mounts files that exist, where each component reads its config', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const { source } of bindMounts(service)) expect(existsSync(stackPath(source)), `${name}: ${source}`).toBe(true);
    }
    const collectorConfig = (services['otel-collector']!.command as string[]).find((a) => a.startsWith('--config='))!.slice('--config='.length);
    expect(mountFor(services['otel-collector']!, collectorConfig)).toBe('./otel-collector/config.yaml');
    const lokiConfig = (services.loki!.command as string[]).find((a) => a.startsWith('-config.file='))!.split('=')[1]!;
    expect(mountFor(services.loki!, lokiConfig)).toBe('./loki/loki.yaml');
    const promConfig = (services.prometheus!.command as string[]).find((a) => a.startsWith('--config.file='))!.split('=')[1]!;
    expect(mountFor(services.prometheus!, promConfig)).toBe('./prometheus/prometheus.yml');
    // The catalog's generated rules and dashboards are mounted where the configs look for them.
    expect(mountFor(services.prometheus!, '/etc/prometheus/rules')).toBe('./prometheus/rules');
    expect(at(readYaml('prometheus/prometheus.yml'), 'rule_files')).toEqual(['/etc/prometheus/rules/*.yml']);
    const dashboardsPath = at((readYaml('grafana/provisioning/dashboards/dashboards.yaml').providers as JsonObject[])[0], 'options', 'path');
    expect(mountFor(services.grafana!, String(dashboardsPath))).toBe('./grafana/dashboards');
    expect(mountFor(services.grafana!, '/etc/grafana/provisioning/datasources')).toBe('./grafana/provisioning/datasources');
  });

  it('Grafana: anonymous users are Viewers, the admin password must come from the environment', () => {
    const env = services.grafana!.environment as Record<string, string>;
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('true');
    expect(env.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBe(ENV.GRAFANA_ADMIN_PASSWORD);
    expect(() => loadCompose('docker-compose.yml', {})).toThrow(/GRAFANA_ADMIN_PASSWORD is required/);
    expect(() => loadCompose('docker-compose.yml', { GRAFANA_ADMIN_PASSWORD: '' })).toThrow(/GRAFANA_ADMIN_PASSWORD is required/);
    const raw = readFileSync(stackPath('docker-compose.yml'), 'utf8');
    expect(raw).toMatch(/GF_SECURITY_ADMIN_PASSWORD: \$\{GRAFANA_ADMIN_PASSWORD:\?/);
    expect(raw).not.toMatch(/GF_AUTH_ANONYMOUS_ORG_ROLE:\s*(Admin|Editor)/);
  });

  it('the gateway service serves MCP over HTTP on 8000 and sends OTLP to the collector by its compose name', () => {
    const gateway = services.gateway!;
    const command = gateway.command as string[];
    const configPath = mountFor(gateway, command[command.indexOf('--config') + 1]!)!;
    expect(command.slice(command.indexOf('--transport'), command.indexOf('--transport') + 2)).toEqual(['--transport', 'http']);
    expect(command[command.indexOf('--port') + 1]).toBe('8000');
    expect(command[command.indexOf('--host') + 1]).toBe('0.0.0.0');
    const settings = resolveTelemetrySettings(parseGatewayConfig(JSON.parse(readFileSync(stackPath(configPath), 'utf8')), { source: configPath }), {
      env: {},
      configDir: '/config',
    });
    expect(settings).toMatchObject({ provider: 'opentelemetry', enabled: true, url: 'http://otel-collector:4317', insecure: true });
    expect(settings.batch).toEqual({ timeoutMs: 1000, maxBatchSize: 1024, maxQueueSize: expect.any(Number) });
  });
});

describe('backend settings the links between signals depend on', () => {
  it('Loki accepts OTLP logs: tsdb + schema v13 with structured metadata (trace_id lives there)', () => {
    const loki = readYaml('loki/loki.yaml');
    const schemas = at(loki, 'schema_config', 'configs') as JsonObject[];
    expect(schemas.at(-1)).toMatchObject({ store: 'tsdb', schema: 'v13' });
    expect(at(loki, 'limits_config', 'allow_structured_metadata')).toBe(true);
    expect(loki.auth_enabled).toBe(false);
  });

  it('Prometheus stores exemplars and keeps the job/instance the collector derives from the resource', () => {
    expect(services.prometheus!.command).toContain('--enable-feature=exemplar-storage');
    const jobs = readYaml('prometheus/prometheus.yml').scrape_configs as JsonObject[];
    expect(jobs.find((j) => j.job_name === 'otel-collector')?.honor_labels).toBe(true);
    // Direct gateway targets are opt-in: the shipped list is empty, so no target is down by default.
    const gatewayJob = jobs.find((j) => j.job_name === 'gateway')!;
    const sdFile = String(((gatewayJob.file_sd_configs as JsonObject[])[0]!.files as string[])[0]);
    expect(sdFile.startsWith('/etc/prometheus/targets/')).toBe(true);
    expect(mountFor(services.prometheus!, '/etc/prometheus/targets')).toBe('./prometheus/targets');
    expect(JSON.parse(readFileSync(stackPath('prometheus/targets', path.posix.basename(sdFile)), 'utf8'))).toEqual([]);
  });
});

describe('docker-compose.tls.yml (TLS variant)', () => {
  const override = loadCompose('docker-compose.tls.yml').services as Record<string, JsonObject>;

  it('starts the collector with the TLS overlay and the generated certificates', () => {
    const collector = override['otel-collector']!;
    expect(collector.command).toEqual(['--config=/etc/otelcol-contrib/config.yaml', '--config=/etc/otelcol-contrib/tls.yaml']);
    expect(mountFor(collector, '/etc/otelcol-contrib/tls.yaml')).toBe('./otel-collector/tls.yaml');
    expect(mountFor(collector, '/etc/otelcol-contrib/certs')).toBe('./tls/certs');
    const tls = readYaml('otel-collector/tls.yaml');
    const certFile = String(at(tls, 'receivers', 'otlp', 'protocols', 'grpc', 'tls', 'cert_file'));
    expect(path.posix.dirname(certFile)).toBe('/etc/otelcol-contrib/certs');
    // The base compose file's volumes still apply (compose merges volumes by target).
    expect(isObject(services['otel-collector'])).toBe(true);
  });

  it('points the gateway at https with insecure: false and the dev CA', () => {
    const gateway = override.gateway!;
    const configPath = mountFor(gateway, '/config/enkrypt_mcp_config.json')!;
    expect(configPath).toBe('./tls/enkrypt_mcp_config.tls.json');
    const raw = JSON.parse(readFileSync(stackPath(configPath), 'utf8')) as JsonObject;
    const config = at(raw, 'plugins', 'telemetry', 'config') as JsonObject;
    expect(config.insecure).toBe(false);
    expect(mountFor(gateway, String(config.ca))).toBe('./tls/certs/ca.crt');
    const settings = resolveTelemetrySettings(parseGatewayConfig(raw, { source: configPath }), { env: {}, configDir: '/config' });
    expect(settings).toMatchObject({ url: 'https://otel-collector:4317', insecure: false, tls: { ca: '/config/certs/ca.crt' } });
  });
});
