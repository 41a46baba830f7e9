import { PROGRAM, type CommandSpec, type OptionSpec } from './argv';

/** The commands of `secure-mcp-gateway`: options, environment and examples, for parsing and --help. */

const CONFIG_OPTION: OptionSpec = {
  type: 'string',
  short: 'c',
  value: 'FILE',
  description: 'The gateway config (default: $ENKRYPT_MCP_CONFIG, ./enkrypt_mcp_config.json, ~/.enkrypt/enkrypt_mcp_config.json).',
};

const CONFIG_ENV = ['ENKRYPT_MCP_CONFIG', 'The config file when --config is not given.'] as const;
const HOME_ENV = ['HOME', 'Where ~/.enkrypt/enkrypt_mcp_config.json is looked for.'] as const;
const TELEMETRY_ENV = [
  ['ENKRYPT_TELEMETRY_PROVIDER', 'Overrides plugins.telemetry.provider (e.g. stdout, opentelemetry).'],
  ['OTEL_SDK_DISABLED', 'true turns telemetry off.'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'Overrides plugins.telemetry.config.url.'],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc or http/protobuf; overrides plugins.telemetry.config.protocol.'],
  ['OTEL_EXPORTER_OTLP_INSECURE', 'Overrides plugins.telemetry.config.insecure.'],
  ['OTEL_EXPORTER_OTLP_HEADERS', 'Export headers, k=v,k2=v2 (never printed).'],
  ['OTEL_SERVICE_NAME', 'Overrides plugins.telemetry.config.service_name (other OTEL_* variables: see the core README).'],
] as const;

const TELEMETRY_OPTIONS = {
  provider: { type: 'string', value: 'NAME', description: 'plugins.telemetry.provider: opentelemetry, stdout, a package name or a path.' },
  enabled: { type: 'string', value: 'true|false', description: 'plugins.telemetry.config.enabled.' },
  url: { type: 'string', value: 'URL', description: 'plugins.telemetry.config.url, the OTLP endpoint (e.g. http://localhost:4317).' },
  insecure: { type: 'string', value: 'true|false', description: 'plugins.telemetry.config.insecure: true = no TLS; false for production.' },
  protocol: { type: 'string', value: 'PROTOCOL', choices: ['grpc', 'http/protobuf'], description: 'plugins.telemetry.config.protocol: grpc or http/protobuf (default: inferred from the URL).' },
} as const satisfies Record<string, OptionSpec>;

export const SERVE: CommandSpec = {
  name: 'serve',
  summary: 'Serve MCP over stdio (what an MCP client starts) or Streamable HTTP. The default command.',
  synopsis: 'serve [--config FILE] [--transport stdio|http] [--host HOST] [--port PORT]',
  description:
    'Starts the gateway. On stdio, stdout carries MCP JSON-RPC only and the gateway key comes from\n' +
    '$ENKRYPT_GATEWAY_KEY; on http, MCP is served at http://HOST:PORT/mcp (the URL is printed on\n' +
    'stderr) and each client sends its key in the `apikey` header. "serve" may be left out.',
  options: {
    config: CONFIG_OPTION,
    transport: { type: 'string', short: 't', value: 'stdio|http', choices: ['stdio', 'http'], description: 'stdio (default) or http (Streamable HTTP).' },
    host: { type: 'string', value: 'HOST', description: 'http: the address to listen on (default 127.0.0.1).' },
    port: { type: 'string', short: 'p', value: 'PORT', description: 'http: the port, 0-65535 (default 0: any free port).' },
  },
  env: [CONFIG_ENV, ['ENKRYPT_GATEWAY_KEY', 'stdio: the gateway key (one of the config\'s apikeys).'], ...TELEMETRY_ENV, HOME_ENV],
  examples: [
    `ENKRYPT_GATEWAY_KEY=<key> ${PROGRAM} --config ~/.enkrypt/enkrypt_mcp_config.json`,
    `${PROGRAM} serve --transport http --port 8000`,
  ],
};

export const DOCTOR: CommandSpec = {
  name: 'doctor',
  summary: 'Check the config, its telemetry provider and collector, the Prometheus port and the upstream servers.',
  synopsis: 'doctor [--config FILE] [--json] [--timeout MS] [--stack [--loki URL] [--prometheus URL] [--jaeger URL] [--collector-metrics URL]]',
  description:
    'Checks what the config says, as the gateway would use it: the file found and valid; the telemetry\n' +
    'provider installed and loadable; its collector answering (the provider\'s own check, TLS included);\n' +
    'the Prometheus port free or serving; each upstream server\'s command resolvable. Prints each finding\n' +
    'with its fix. Exit code 0 when every check passes, 1 otherwise. --stack adds the observability\n' +
    'stack (Loki, Prometheus, Jaeger, the collector\'s Prometheus exporter; deploy/observability);\n' +
    'with --stack, no config in the default places is not a failure (the stack alone is checked).',
  options: {
    config: CONFIG_OPTION,
    json: { type: 'boolean', description: 'Print the findings as JSON on stdout.' },
    timeout: { type: 'string', value: 'MS', description: 'Per-check timeout (default: the config\'s connectivity_timeout, 2000).' },
    stack: { type: 'boolean', description: 'Also check the observability stack.' },
    loki: { type: 'string', value: 'URL', description: '--stack: Loki (default http://localhost:3100).' },
    prometheus: { type: 'string', value: 'URL', description: '--stack: Prometheus (default http://localhost:9090).' },
    jaeger: { type: 'string', value: 'URL', description: '--stack: the Jaeger UI (default http://localhost:16686).' },
    'collector-metrics': { type: 'string', value: 'URL', description: '--stack: the collector\'s Prometheus exporter (default http://localhost:8889/metrics).' },
  },
  env: [
    CONFIG_ENV,
    ...TELEMETRY_ENV,
    HOME_ENV,
    ['DOCTOR_LOKI_URL', 'Default for --loki.'],
    ['DOCTOR_PROMETHEUS_URL', 'Default for --prometheus.'],
    ['DOCTOR_JAEGER_URL', 'Default for --jaeger.'],
    ['DOCTOR_COLLECTOR_METRICS_URL', 'Default for --collector-metrics.'],
  ],
  examples: [`${PROGRAM} doctor`, `${PROGRAM} doctor --config ./enkrypt_mcp_config.json --json`, `${PROGRAM} doctor --stack`],
};

export const DEMO: CommandSpec = {
  name: 'demo',
  summary: 'Run the scripted demo: a gateway in this process driven by a real MCP client.',
  synopsis: 'demo [--otlp URL] [--config FILE] [--log-file PATH]',
  description:
    'Serves the gateway over Streamable HTTP on 127.0.0.1, drives it through a scripted scenario\n' +
    '(cache, guardrails, faults, timeouts, a bad key) and prints each call and every gateway metric.\n' +
    'No external service is needed; --otlp also exports to a collector with the OpenTelemetry provider.',
  options: {
    otlp: { type: 'string', value: 'URL', description: 'Use the OpenTelemetry provider and export to this OTLP endpoint.' },
    config: { type: 'string', short: 'c', value: 'FILE', description: 'The gateway config (default: the shipped examples/enkrypt_mcp_config.json).' },
    'log-file': { type: 'string', value: 'PATH', description: 'Where the gateway\'s JSON log lines go (default: a file in the temp folder).' },
  },
  env: [['OTEL_*', 'With --otlp, the standard OpenTelemetry variables apply (see the core README).']],
  examples: [`${PROGRAM} demo`, `${PROGRAM} demo --otlp http://localhost:4317`],
};

export const CONFIG_INIT: CommandSpec = {
  name: 'config init',
  summary: 'Write a new enkrypt_mcp_config.json in the Python gateway\'s shape.',
  synopsis: 'config init [--config FILE] [--force] [--provider NAME] [--url URL] [--insecure true|false] [--protocol PROTOCOL] [--enabled true|false]',
  description:
    'Writes a complete config: common settings and timeouts, one upstream server (the demo one, run\n' +
    'with node), a project, a user, a fresh random gateway key and admin key, and the telemetry block\n' +
    '(default: provider opentelemetry, url http://localhost:4317, insecure true). Never overwrites an\n' +
    'existing file unless --force. Default path: $ENKRYPT_MCP_CONFIG, else ~/.enkrypt/enkrypt_mcp_config.json.',
  options: { config: { ...CONFIG_OPTION, description: 'Where to write (default: $ENKRYPT_MCP_CONFIG, else ~/.enkrypt/enkrypt_mcp_config.json).' }, force: { type: 'boolean', description: 'Overwrite an existing file.' }, ...TELEMETRY_OPTIONS },
  env: [['ENKRYPT_MCP_CONFIG', 'Where to write when --config is not given.'], ['HOME', 'The default folder, ~/.enkrypt.']],
  examples: [`${PROGRAM} config init`, `${PROGRAM} config init --config ./enkrypt_mcp_config.json --provider stdout`],
};

export const CONFIG_TELEMETRY: CommandSpec = {
  name: 'config telemetry',
  summary: 'Change plugins.telemetry in a config file, keeping everything else as it is.',
  synopsis: 'config telemetry [--config FILE] [--enabled true|false] [--url URL] [--insecure true|false] [--provider NAME] [--protocol PROTOCOL]',
  description:
    'Edits the file in place: only the keys given change; every other key, its order and the file\'s\n' +
    'layout stay. The result is validated with core\'s schema before anything is written. With no\n' +
    'option, prints the current telemetry block.',
  options: { config: CONFIG_OPTION, ...TELEMETRY_OPTIONS },
  env: [CONFIG_ENV, HOME_ENV],
  examples: [
    `${PROGRAM} config telemetry --url http://collector.internal:4317 --insecure false`,
    `${PROGRAM} config telemetry --enabled false`,
    `${PROGRAM} config telemetry --provider stdout`,
  ],
};

export const COMMANDS: readonly CommandSpec[] = [SERVE, DOCTOR, DEMO, CONFIG_INIT, CONFIG_TELEMETRY];

/** The program's own help: the commands and where to read more. */
export function formatProgramHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `${PROGRAM} ${version}: a Secure MCP Gateway with telemetry.`,
    '',
    `usage: ${PROGRAM} [command] [options]`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'With no command, "serve" runs (what an MCP client starts).',
    `Run "${PROGRAM} <command> --help" for a command's options, environment variables and examples.`,
    `  ${PROGRAM} --version    print the version`,
    '  SECURE_MCP_GATEWAY_DEBUG=1 prints the stack trace of an unexpected error (a bug; bad input never has one).',
    '',
    'Examples:',
    `  ${PROGRAM} config init && ${PROGRAM} doctor`,
    `  ${PROGRAM} serve --transport http --port 8000`,
    '',
  ].join('\n');
}
