// How the bench sets telemetry up the way a gateway would: an enkrypt_mcp_config.json-shaped
// object handed to core's initTelemetry, then getLogger/getTracer/getMeter and the catalog.
import { benchDir } from './common.mjs';

/** A minimal enkrypt_mcp_config.json with the telemetry plugin section filled in. */
export function gatewayConfig(provider, telemetryConfig = {}, { logLevel = 'INFO', connectivityTimeoutS } = {}) {
  const common = { enkrypt_log_level: logLevel };
  if (connectivityTimeoutS !== undefined) common.timeout_settings = { connectivity_timeout: connectivityTimeoutS };
  return {
    common_mcp_gateway_config: common,
    plugins: { telemetry: { provider, config: { service_name: 'bench-gateway', ...telemetryConfig } } },
  };
}

/** Telemetry config (plugins.telemetry) for each provider setup the bench compares. */
export function providerSetup(name, receiver) {
  switch (name) {
    case 'disabled':
      return { provider: 'stdout', config: { enabled: false } };
    case 'stdout':
      return { provider: 'stdout', config: {} };
    // OTLP only (log_mirror none), like the naive baseline; 'otel-mirror' keeps the provider's
    // default JSON-line mirror of each log record, sent to /dev/null.
    case 'otel':
    case 'otel-http':
      return { provider: 'opentelemetry', config: { url: receiver.httpUrl, protocol: 'http/protobuf', insecure: true, log_mirror: 'none' } };
    case 'otel-grpc':
      return { provider: 'opentelemetry', config: { url: receiver.grpcUrl, protocol: 'grpc', insecure: true, log_mirror: 'none' } };
    case 'otel-mirror':
      return { provider: 'opentelemetry', config: { url: receiver.httpUrl, protocol: 'http/protobuf', insecure: true, log_mirror: '/dev/null' } };
    default:
      throw new Error(`unknown provider setup ${name}`);
  }
}

/** initTelemetry as a gateway calls it; returns the status and the core module. */
export async function initAsGateway(setupName, receiver, extra = {}) {
  const core = await import('@secure-mcp-gateway/telemetry-core');
  const { provider, config } = providerSetup(setupName, receiver);
  const status = await core.initTelemetry({
    config: gatewayConfig(provider, { ...config, ...extra.config }, extra),
    env: {},
    cwd: benchDir,
    installShutdownHooks: false,
    serviceVersion: '0.0.0-bench',
  });
  return { core, status };
}

/**
 * A provider instance made directly (for its stats()): validate the raw config with the provider's
 * schema, resolve settings with core, and call create() with a ProviderContext.
 */
export async function createProviderInstance(providerModule, rawTelemetryConfig, { provider = 'opentelemetry', logLevel = 'INFO' } = {}) {
  const core = await import('@secure-mcp-gateway/telemetry-core');
  const providerObj = providerModule.default ?? providerModule;
  const parsed = core.parseGatewayConfig(gatewayConfig(provider, rawTelemetryConfig, { logLevel }), { source: 'bench' });
  const settings = core.resolveTelemetrySettings(parsed, { env: {}, configDir: benchDir });
  let config = rawTelemetryConfig;
  if (providerObj.configSchema) {
    const out = await providerObj.configSchema['~standard'].validate(parsed.plugins?.telemetry?.config ?? rawTelemetryConfig);
    if (out.issues) throw new Error(`provider config invalid: ${JSON.stringify(out.issues)}`);
    config = out.value;
  }
  const diag = (level) => (message, fields) => process.stderr.write(`[bench diag ${level}] ${message} ${fields ? JSON.stringify(fields) : ''}\n`);
  const instance = await providerObj.create(config, {
    settings,
    stdoutReserved: false,
    configDir: benchDir,
    env: {},
    diagnostics: { debug: () => {}, warn: diag('warn'), error: diag('error') },
    serviceVersion: '0.0.0-bench',
  });
  return { instance, settings, core };
}
