import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  type ConfigIssue,
  gatewayConfigJsonSchema,
  loadGatewayConfig,
  parseGatewayConfig,
  resolveTelemetrySettings,
} from '../src/index';

const pythonGatewayConfig = {
  common_mcp_gateway_config: {
    enkrypt_log_level: 'debug',
    enkrypt_use_remote_mcp_config: false,
    timeout_settings: { default_timeout: 30, connectivity_timeout: 0.5 },
  },
  mcp_configs: { 'c0a8': { mcp_config_name: 'default', mcp_config: [{ server_name: 'echo', config: { command: 'node' } }] } },
  projects: { p1: { project_name: 'demo', mcp_config_id: 'c0a8', users: ['u1'] } },
  users: { u1: { email: 'a@example.com' } },
  apikeys: { 'sk-123': { project_id: 'p1', user_id: 'u1' } },
  plugins: {
    auth: { provider: 'local' },
    telemetry: {
      provider: 'opentelemetry',
      config: { enabled: true, url: 'http://otel-collector:4317', insecure: true, service_name: 'gw', job_name: 'job', vendor_key: 'kept' },
    },
  },
};

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'core-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseGatewayConfig', () => {
  it('accepts the Python gateway file as it is and keeps the sections it does not own', () => {
    const config = parseGatewayConfig(JSON.stringify(pythonGatewayConfig), { source: 'x.json' });
    expect(config.plugins?.telemetry?.provider).toBe('opentelemetry');
    expect(config.mcp_configs).toEqual(pythonGatewayConfig.mcp_configs);
    expect(config.apikeys).toEqual(pythonGatewayConfig.apikeys);
    expect((config.plugins as Record<string, unknown>).auth).toEqual({ provider: 'local' });
    expect((config.plugins?.telemetry?.config as Record<string, unknown>).vendor_key).toBe('kept');
  });

  it('names the path, the expected type and the value for enabled: "yes"', () => {
    const error = configError(() =>
      parseGatewayConfig({ plugins: { telemetry: { config: { enabled: 'yes' } } } }, { source: '/etc/gw/enkrypt_mcp_config.json' }),
    );
    expect(error.issues).toEqual([{ path: 'plugins.telemetry.config.enabled', message: 'expected boolean, got string "yes"' }]);
    expect(error.message).toBe(
      'Invalid telemetry configuration in /etc/gw/enkrypt_mcp_config.json: plugins.telemetry.config.enabled: expected boolean, got string "yes".',
    );
    expect(error.message).not.toMatch(/\n|at .*\(/);
  });

  it('reports every bad path in one paragraph', () => {
    const error = configError(() =>
      parseGatewayConfig({
        common_mcp_gateway_config: { enkrypt_log_level: 'VERBOSE', timeout_settings: { connectivity_timeout: '2' } },
        plugins: { telemetry: { config: { url: 'http://localhost', protocol: 'http/xml', sampling_ratio: 2, max_batch_size: 1.5 } } },
      }),
    );
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'common_mcp_gateway_config.enkrypt_log_level',
        'common_mcp_gateway_config.timeout_settings.connectivity_timeout',
        'plugins.telemetry.config.url',
        'plugins.telemetry.config.protocol',
        'plugins.telemetry.config.sampling_ratio',
        'plugins.telemetry.config.max_batch_size',
      ]),
    );
    expect(error.message).toContain('common_mcp_gateway_config.enkrypt_log_level: unknown log level "VERBOSE" (expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL)');
    expect(error.message).toContain('plugins.telemetry.config.url: URL "http://localhost" has no port');
    expect(error.message).toContain('plugins.telemetry.config.protocol: expected one of "grpc", "http/protobuf", "http/json", got string "http/xml"');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('rejects URLs without a host or a port, and non-URLs', () => {
    for (const url of ['http://:4317', 'http://localhost', 'localhost:4317', 'ftp://collector:21', 'not a url']) {
      const error = configError(() => parseGatewayConfig({ plugins: { telemetry: { config: { url } } } }));
      expect(error.issues[0]?.path).toBe('plugins.telemetry.config.url');
      expect(error.issues[0]?.message).toMatch(/host|port|URL/);
    }
    expect(() => parseGatewayConfig({ plugins: { telemetry: { config: { url: 'https://otlp.example.com' } } } })).not.toThrow();
    expect(() => parseGatewayConfig({ plugins: { telemetry: { config: { url: 'http://[::1]:4318/v1' } } } })).not.toThrow();
  });

  it('never echoes header values in errors', () => {
    const error = configError(() =>
      parseGatewayConfig({ plugins: { telemetry: { config: { headers: { authorization: 12345678 } } } } }),
    );
    expect(error.issues[0]?.path).toBe('plugins.telemetry.config.headers.authorization');
    expect(error.message).not.toContain('12345678');
  });

  it('rejects a non-object document', () => {
    expect(configError(() => parseGatewayConfig('[1,2]', { source: 'a.json' })).message).toBe(
      'Invalid telemetry configuration in a.json: (root): expected a JSON object, got an array.',
    );
  });
});

describe('loadGatewayConfig', () => {
  it('reads a file', () => {
    const file = tmpFile('enkrypt_mcp_config.json', JSON.stringify(pythonGatewayConfig));
    expect(loadGatewayConfig(file).plugins?.telemetry?.config?.service_name).toBe('gw');
  });

  it('points at line and column of malformed JSON', () => {
    const file = tmpFile('enkrypt_mcp_config.json', '{\n  "plugins": {\n    "telemetry": { "provider": "stdout", }\n  }\n}\n');
    const error = configError(() => loadGatewayConfig(file));
    expect(error.source).toBe(file);
    expect(error.message).toMatch(new RegExp(`^Cannot read ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 3, column \\d+: malformed JSON`));
    expect(error.issues[0]?.path).toMatch(/^line 3, column \d+$/);
  });

  it('says when the file does not exist', () => {
    const error = configError(() => loadGatewayConfig('/nonexistent/enkrypt_mcp_config.json'));
    expect(error.message).toBe('Cannot read /nonexistent/enkrypt_mcp_config.json: (file): file not found.');
  });
});

describe('resolveTelemetrySettings', () => {
  it('applies the DESIGN.md defaults', () => {
    const settings = resolveTelemetrySettings({}, { env: {} });
    expect(settings).toMatchObject({
      enabled: true,
      provider: 'stdout',
      url: 'http://localhost:4317',
      insecure: true,
      serviceName: 'secure-mcp-gateway',
      jobName: 'enkryptai',
      logLevel: 'INFO',
      connectivityTimeoutMs: 2000,
      reconnectIntervalMs: 10_000,
      compression: 'none',
      batch: { timeoutMs: 1000, maxBatchSize: 1024, maxQueueSize: 8192 },
      metricExportIntervalMs: 5000,
      samplingRatio: 1,
      capturePayloads: false,
      headers: {},
      resourceAttributes: {},
    });
    expect(settings.protocol).toBeUndefined();
    expect(settings.prometheusPort).toBeUndefined();
  });

  it('maps the file keys (snake_case) and resolves TLS paths against the config folder', () => {
    const config = parseGatewayConfig({
      common_mcp_gateway_config: { enkrypt_log_level: 'warning', timeout_settings: { connectivity_timeout: 0.25 } },
      plugins: {
        telemetry: {
          provider: 'opentelemetry',
          config: {
            enabled: false, url: 'https://collector:4317', insecure: false, service_name: 's', job_name: 'j', protocol: 'grpc',
            headers: { 'x-api-key': 'k' }, ca: 'certs/ca.pem', cert: '/abs/cert.pem', key: 'key.pem', compression: 'gzip',
            timeout_ms: 200, max_batch_size: 10, max_queue_size: 20, metric_export_interval_ms: 300, sampling_ratio: 0.5,
            prometheus_port: 0, capture_payloads: true, reconnect_interval_ms: 0, resource_attributes: { region: 'eu' },
          },
        },
      },
    });
    const s = resolveTelemetrySettings(config, { env: {}, configDir: '/etc/gw' });
    expect(s).toMatchObject({
      enabled: false, provider: 'opentelemetry', url: 'https://collector:4317', insecure: false, serviceName: 's', jobName: 'j',
      protocol: 'grpc', headers: { 'x-api-key': 'k' }, tls: { ca: '/etc/gw/certs/ca.pem', cert: '/abs/cert.pem', key: '/etc/gw/key.pem' },
      compression: 'gzip', batch: { timeoutMs: 200, maxBatchSize: 10, maxQueueSize: 20 }, metricExportIntervalMs: 300,
      samplingRatio: 0.5, prometheusPort: 0, capturePayloads: true, reconnectIntervalMs: 0, resourceAttributes: { region: 'eu' },
      logLevel: 'WARNING', connectivityTimeoutMs: 250,
    });
  });

  it('lets the standard OTEL_* variables and ENKRYPT_TELEMETRY_PROVIDER override the file', () => {
    const config = parseGatewayConfig(pythonGatewayConfig);
    const s = resolveTelemetrySettings(config, {
      cwd: '/work',
      env: {
        OTEL_SDK_DISABLED: 'true',
        OTEL_SERVICE_NAME: 'from-env',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=a%20b',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=t1',
        OTEL_EXPORTER_OTLP_INSECURE: 'false',
        OTEL_EXPORTER_OTLP_CERTIFICATE: 'ca.pem',
        OTEL_EXPORTER_OTLP_CLIENT_KEY: '/k.pem',
        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/c.pem',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '7',
        OTEL_BSP_MAX_QUEUE_SIZE: '70',
        OTEL_METRIC_EXPORT_INTERVAL: '900',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        ENKRYPT_TELEMETRY_PROVIDER: 'stdout',
      },
    });
    expect(s).toMatchObject({
      enabled: false, serviceName: 'from-env', url: 'http://127.0.0.1:4318', protocol: 'http/protobuf', insecure: false,
      headers: { authorization: 'Bearer abc', 'x-tenant': 't1' }, tls: { ca: '/work/ca.pem', key: '/k.pem', cert: '/c.pem' },
      compression: 'gzip', batch: { timeoutMs: 50, maxBatchSize: 7, maxQueueSize: 70 }, metricExportIntervalMs: 900,
      samplingRatio: 0.1, provider: 'stdout', resourceAttributes: { 'deployment.environment': 'prod', team: 'a b' },
    });
  });

  it('takes service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset, and ignores empty variables', () => {
    const s = resolveTelemetrySettings({}, { env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=svc', OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SDK_DISABLED: 'false' } });
    expect(s.serviceName).toBe('svc');
    expect(s.url).toBe('http://localhost:4317');
    expect(s.enabled).toBe(true);
  });

  it('ignores each bad environment variable with one warning naming it; the rest applies', () => {
    const warnings: ConfigIssue[] = [];
    const s = resolveTelemetrySettings({}, {
      onWarning: (issue) => warnings.push(issue),
      env: {
        OTEL_SDK_DISABLED: 'yes',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml',
        OTEL_BSP_MAX_QUEUE_SIZE: 'many',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_EXPORTER_OTLP_HEADERS: 'secret-value-without-equals',
        OTEL_SERVICE_NAME: 'still-applies',
        OTEL_BSP_SCHEDULE_DELAY: '250',
      },
    });
    expect(warnings.map((i) => i.path).sort()).toEqual(
      ['OTEL_SDK_DISABLED', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_TRACES_SAMPLER_ARG'].sort(),
    );
    expect(warnings.find((w) => w.path === 'OTEL_SDK_DISABLED')!.message).toBe('expected true or false, got "yes"');
    expect(JSON.stringify(warnings)).not.toContain('secret-value-without-equals');
    // only "true" disables (OpenTelemetry spec); the good variables apply, the bad ones keep the defaults
    expect(s).toMatchObject({ enabled: true, serviceName: 'still-applies', url: 'http://localhost:4317', samplingRatio: 1, headers: {} });
    expect(s.batch).toMatchObject({ timeoutMs: 250, maxQueueSize: 8192 });
    expect(s.protocol).toBeUndefined();
  });

  it('prints one stderr line per bad variable by default', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write);
    try {
      resolveTelemetrySettings({}, { env: { OTEL_EXPORTER_OTLP_TIMEOUT: '10s', OTEL_SERVICE_NAME: 'x' } });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      'secure-mcp-gateway telemetry WARNING: environment variable OTEL_EXPORTER_OTLP_TIMEOUT: expected an integer >= 1, got "10s"; it is ignored, the other settings apply.\n',
    ]);
  });

  it('validates raw objects it is given', () => {
    expect(() => resolveTelemetrySettings({ plugins: { telemetry: { config: { enabled: 'no' } } } } as never, { env: {} })).toThrow(
      /plugins\.telemetry\.config\.enabled: expected boolean, got string "no"/,
    );
  });
});

describe('JSON Schema', () => {
  it('is committed and in step with the zod schema (run `pnpm --filter @secure-mcp-gateway/telemetry-core generate`)', () => {
    const committed = JSON.parse(readFileSync(new URL('../schema/enkrypt_mcp_config.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(gatewayConfigJsonSchema());
  });

  it('describes the telemetry keys editors complete', () => {
    const schema = gatewayConfigJsonSchema() as { properties: { plugins: { properties: { telemetry: { properties: { config: { properties: Record<string, unknown> } } } } } } };
    const keys = Object.keys(schema.properties.plugins.properties.telemetry.properties.config.properties);
    expect(keys).toEqual(expect.arrayContaining(['enabled', 'url', 'insecure', 'service_name', 'job_name', 'protocol', 'headers', 'ca', 'cert', 'key', 'compression', 'timeout_ms', 'max_batch_size', 'max_queue_size', 'metric_export_interval_ms', 'sampling_ratio', 'prometheus_port', 'capture_payloads', 'reconnect_interval_ms', 'resource_attributes']));
  });
});

describe('safeUrl', () => {
  it('removes user:password and credential-like query values, and keeps the rest as written', async () => {
    const { safeUrl } = await import('../src/index');
    expect(safeUrl('https://user:s3cr3t@collector:4318')).toBe('https://collector:4318');
    expect(safeUrl('https://tok3n@collector:4318/v1/traces')).toBe('https://collector:4318/v1/traces');
    expect(safeUrl('http://127.0.0.1:4317')).toBe('http://127.0.0.1:4317');
    expect(safeUrl('https://c:4318/v1?access_token=abc&sig=def&region=eu')).toBe('https://c:4318/v1?access_token=[REDACTED]&sig=[REDACTED]&region=eu');
    // Not a valid URL (an unencoded "/" in the password): everything up to the last "@" goes.
    expect(safeUrl('http://user:pa/ss@collector:port')).toBe('http://collector:port');
    expect(safeUrl('http://[::1]:4318/a@b')).toBe('http://[::1]:4318/a@b');
  });

  it('keeps credentials out of the ConfigError for a bad URL in the file or the environment', () => {
    const fromFile = configError(() => parseGatewayConfig({ plugins: { telemetry: { config: { url: 'http://user:s3cr3t@collector' } } } }));
    expect(fromFile.message).toContain('URL "http://collector" has no port');
    expect(fromFile.message).not.toContain('s3cr3t');
    const warnings: ConfigIssue[] = [];
    resolveTelemetrySettings({}, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:s3cr3t@collector:21' }, onWarning: (w) => warnings.push(w) });
    expect(warnings.map((w) => w.path)).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT']);
    expect(JSON.stringify(warnings)).not.toContain('s3cr3t');
  });
});
