/**
 * Our own schema of the Collector components this stack configures, for the collector version
 * pinned in docker-compose.yml (otel/opentelemetry-collector-contrib:0.120.0), so that the config
 * files can be checked without running the Collector (no Docker here). Keys are the `mapstructure`
 * tags of each component's Config struct (embedded `,squash` structs flattened); types follow the Go
 * field types. Sources:
 *
 * - CORE: open-telemetry/opentelemetry-collector, tag v0.120.0 (commit c87bda5bd0c3f8b18dbef08f6029361f35d58bc4):
 *   config/configgrpc/configgrpc.go, config/confighttp/confighttp.go, config/configtls/configtls.go,
 *   config/confignet/confignet.go, config/configretry/backoff.go, exporter/exporterqueue/config.go,
 *   exporter/exporterhelper/internal/timeout_sender.go, exporter/exporterbatcher/config.go,
 *   receiver/otlpreceiver/config.go, exporter/otlpexporter/config.go, exporter/otlphttpexporter/config.go,
 *   exporter/debugexporter/config.go, internal/memorylimiter/config.go, processor/batchprocessor/config.go,
 *   service/config.go, service/pipelines/config.go, service/telemetry/config.go (+ internal/migration/v0.3.0.go).
 * - CONTRIB: open-telemetry/opentelemetry-collector-contrib has no readable copy at v0.120.0 here; its
 *   vendored copies at v0.117.0 and v0.127.0 are (aws-observability/aws-otel-collector, commits
 *   3567b437acbf37e0da155cf7b0613657ee1bcb69 and 658bda8a51ded6e66b14a7d000d0ebb7a4ab5ef6, under
 *   vendor/github.com/open-telemetry/opentelemetry-collector-contrib/): exporter/loadbalancingexporter/config.go,
 *   processor/tailsamplingprocessor/config.go, exporter/prometheusexporter/config.go,
 *   extension/healthcheckextension/config.go. Only keys present in BOTH are listed: a key both
 *   versions have is in 0.120.0 too (keys added after 0.117, e.g. tail_sampling's
 *   `sample_on_first_match` and `drop` policy, are refused, which is the safe side).
 * - DOCS ONLY: the transform processor (no source copy at either version here): keys as its README
 *   documents them; its OTTL statements are not checked.
 *
 * What this cannot check: values the Collector validates in code (e.g. an endpoint that does not
 * parse, OTTL syntax, a percentage over 100), anything in `service.telemetry.metrics.readers`
 * (the OpenTelemetry config schema), and that the image really is built with each component.
 */

export type Spec =
  | { kind: 'string'; oneOf?: readonly string[] }
  | { kind: 'bool' | 'int' | 'number' | 'duration' | 'any' }
  | { kind: 'list'; of: Spec }
  | { kind: 'map'; of: Spec }
  | { kind: 'object'; keys: Readonly<Record<string, Spec>> };

const str: Spec = { kind: 'string' };
const oneOf = (...values: string[]): Spec => ({ kind: 'string', oneOf: values });
const bool: Spec = { kind: 'bool' };
const int: Spec = { kind: 'int' };
const num: Spec = { kind: 'number' };
const duration: Spec = { kind: 'duration' };
const any: Spec = { kind: 'any' };
const list = (of: Spec): Spec => ({ kind: 'list', of });
const map = (of: Spec): Spec => ({ kind: 'map', of });
const obj = (...parts: Record<string, Spec>[]): Spec => ({ kind: 'object', keys: Object.assign({}, ...parts) as Record<string, Spec> });

// ---- CORE v0.120.0: shared config structs
const TLS_COMMON = {
  ca_file: str, ca_pem: str, include_system_ca_certs_pool: bool, cert_file: str, cert_pem: str, key_file: str, key_pem: str,
  min_version: oneOf('1.0', '1.1', '1.2', '1.3'), max_version: oneOf('1.0', '1.1', '1.2', '1.3'), cipher_suites: list(str), reload_interval: duration, curve_preferences: list(str),
};
const TLS_CLIENT = obj(TLS_COMMON, { insecure: bool, insecure_skip_verify: bool, server_name_override: str });
const TLS_SERVER = obj(TLS_COMMON, { client_ca_file: str, client_ca_file_reload: bool });
const AUTH = obj({ authenticator: str });
const GRPC_SERVER = obj({
  endpoint: str, transport: oneOf('tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6', 'ip', 'ip4', 'ip6', 'unix', 'unixgram', 'unixpacket'), dialer: obj({ timeout: duration }),
  tls: TLS_SERVER, max_recv_msg_size_mib: int, max_concurrent_streams: int, read_buffer_size: int, write_buffer_size: int,
  keepalive: obj({
    server_parameters: obj({ max_connection_idle: duration, max_connection_age: duration, max_connection_age_grace: duration, time: duration, timeout: duration }),
    enforcement_policy: obj({ min_time: duration, permit_without_stream: bool }),
  }),
  auth: AUTH, include_metadata: bool,
});
const GRPC_CLIENT = {
  endpoint: str, compression: oneOf('', 'none', 'gzip', 'zlib', 'deflate', 'snappy', 'zstd'), tls: TLS_CLIENT,
  keepalive: obj({ time: duration, timeout: duration, permit_without_stream: bool }), read_buffer_size: int, write_buffer_size: int,
  wait_for_ready: bool, headers: map(str), balancer_name: oneOf('pick_first', 'round_robin'), authority: str, auth: AUTH,
};
const HTTP_SERVER = {
  endpoint: str, tls: TLS_SERVER, cors: obj({ allowed_origins: list(str), allowed_headers: list(str), max_age: int }),
  auth: obj({ authenticator: str, request_params: list(str) }), max_request_body_size: int, include_metadata: bool,
  response_headers: map(str), compression_algorithms: list(str), read_timeout: duration, read_header_timeout: duration, write_timeout: duration, idle_timeout: duration,
};
const HTTP_CLIENT = {
  endpoint: str, proxy_url: str, tls: TLS_CLIENT, read_buffer_size: int, write_buffer_size: int, timeout: duration, headers: map(str), auth: AUTH,
  compression: oneOf('', 'none', 'gzip', 'zlib', 'deflate', 'snappy', 'zstd'), compression_params: any, max_idle_conns: int, max_idle_conns_per_host: int,
  max_conns_per_host: int, idle_conn_timeout: duration, disable_keep_alives: bool, http2_read_idle_timeout: duration, http2_ping_timeout: duration, cookies: obj({ enabled: bool }),
};
const QUEUE = obj({ enabled: bool, num_consumers: int, queue_size: int, blocking: bool, storage: str });
const RETRY = obj({ enabled: bool, initial_interval: duration, randomization_factor: num, multiplier: num, max_interval: duration, max_elapsed_time: duration });
const OTLP_EXPORTER = obj({ timeout: duration, sending_queue: QUEUE, retry_on_failure: RETRY, batcher: obj({ enabled: bool, flush_timeout: duration, min_size_items: int, max_size_items: int }) }, GRPC_CLIENT);

// ---- CONTRIB v0.117.0 ∩ v0.127.0
const POLICY_TYPES = ['always_sample', 'latency', 'numeric_attribute', 'probabilistic', 'status_code', 'string_attribute', 'rate_limiting', 'composite', 'and', 'span_count', 'trace_state', 'boolean_attribute', 'ottl_condition'];
const SHARED_POLICY = {
  name: str, type: oneOf(...POLICY_TYPES),
  latency: obj({ threshold_ms: int, upper_threshold_ms: int }),
  numeric_attribute: obj({ key: str, min_value: int, max_value: int, invert_match: bool }),
  probabilistic: obj({ hash_salt: str, sampling_percentage: num }),
  status_code: obj({ status_codes: list(oneOf('OK', 'ERROR', 'UNSET')) }),
  string_attribute: obj({ key: str, values: list(str), enabled_regex_matching: bool, cache_max_size: int, invert_match: bool }),
  rate_limiting: obj({ spans_per_second: int }),
  span_count: obj({ min_spans: int, max_spans: int }),
  trace_state: obj({ key: str, values: list(str) }),
  boolean_attribute: obj({ key: str, value: bool, invert_match: bool }),
  ottl_condition: obj({ error_mode: oneOf('ignore', 'silent', 'propagate'), span: list(str), spanevent: list(str) }),
};
const AND = obj({ and_sub_policy: list(obj(SHARED_POLICY)) });
const POLICY = obj(SHARED_POLICY, {
  and: AND,
  composite: obj({
    max_total_spans_per_second: int, policy_order: list(str),
    composite_sub_policy: list(obj(SHARED_POLICY, { and: AND })), rate_allocation: list(obj({ policy: str, percent: int })),
  }),
});

const STATEMENTS = list(obj({ context: str, statements: list(str), conditions: list(str), error_mode: oneOf('ignore', 'silent', 'propagate') }));

/** Component schemas by section and type (the part of an id before `/`). */
export const COMPONENTS: Record<'receivers' | 'processors' | 'exporters' | 'extensions', Record<string, Spec>> = {
  receivers: {
    otlp: obj({ protocols: obj({ grpc: GRPC_SERVER, http: obj(HTTP_SERVER, { traces_url_path: str, metrics_url_path: str, logs_url_path: str }) }) }),
  },
  processors: {
    memory_limiter: obj({ check_interval: duration, limit_mib: int, spike_limit_mib: int, limit_percentage: int, spike_limit_percentage: int }),
    batch: obj({ timeout: duration, send_batch_size: int, send_batch_max_size: int, metadata_keys: list(str), metadata_cardinality_limit: int }),
    tail_sampling: obj({
      decision_wait: duration, num_traces: int, expected_new_traces_per_sec: int, policies: list(POLICY),
      decision_cache: obj({ sampled_cache_size: int, non_sampled_cache_size: int }),
    }),
    transform: obj({ error_mode: oneOf('ignore', 'silent', 'propagate'), trace_statements: STATEMENTS, metric_statements: STATEMENTS, log_statements: STATEMENTS }),
  },
  exporters: {
    otlp: OTLP_EXPORTER,
    otlphttp: obj(HTTP_CLIENT, { sending_queue: QUEUE, retry_on_failure: RETRY, traces_endpoint: str, metrics_endpoint: str, logs_endpoint: str, encoding: oneOf('proto', 'json') }),
    debug: obj({ verbosity: oneOf('basic', 'normal', 'detailed'), sampling_initial: int, sampling_thereafter: int, use_internal_logger: bool }),
    loadbalancing: obj({
      timeout: duration, retry_on_failure: RETRY, sending_queue: QUEUE,
      protocol: obj({ otlp: OTLP_EXPORTER }),
      resolver: obj({
        static: obj({ hostnames: list(str) }),
        dns: obj({ hostname: str, port: str, interval: duration, timeout: duration }),
        k8s: obj({ service: str, ports: list(int), timeout: duration, return_hostnames: bool }),
        aws_cloud_map: obj({ namespace: str, service_name: str, health_status: str, interval: duration, timeout: duration, port: int }),
      }),
      routing_key: oneOf('traceID', 'service', 'metric', 'resource', 'streamID'),
    }),
    prometheus: obj(HTTP_SERVER, {
      namespace: str, const_labels: map(str), send_timestamps: bool, metric_expiration: duration,
      resource_to_telemetry_conversion: obj({ enabled: bool }), enable_open_metrics: bool, add_metric_suffixes: bool,
    }),
  },
  extensions: {
    health_check: obj(HTTP_SERVER, {
      path: str, response_body: obj({ healthy: str, unhealthy: str }),
      check_collector_pipeline: obj({ enabled: bool, interval: str, exporter_failure_threshold: int }),
    }),
  },
};

export const SERVICE: Spec = obj({
  extensions: list(str),
  pipelines: map(obj({ receivers: list(str), processors: list(str), exporters: list(str) })),
  telemetry: obj({
    logs: obj({
      level: oneOf('debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal'), development: bool, encoding: oneOf('json', 'console'), disable_caller: bool, disable_stacktrace: bool,
      sampling: obj({ enabled: bool, tick: duration, initial: int, thereafter: int }), output_paths: list(str), error_output_paths: list(str), initial_fields: map(any), processors: list(any),
    }),
    metrics: obj({ level: oneOf('none', 'basic', 'normal', 'detailed'), address: str, readers: list(any) }),
    traces: obj({ level: oneOf('none', 'basic', 'normal', 'detailed'), propagators: list(str), processors: list(any) }),
    resource: map(any),
  }),
});

const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** Problems of `value` against `spec`, each naming its path. Null and absent values mean "default" and pass. */
export function specProblems(value: unknown, spec: Spec, where: string): string[] {
  if (value === null || value === undefined || spec.kind === 'any') return [];
  const bad = (what: string) => [`${where}: expected ${what}, got ${JSON.stringify(value)}`];
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') return bad('a string');
      return spec.oneOf && !spec.oneOf.includes(value) ? bad(`one of ${spec.oneOf.map((v) => JSON.stringify(v)).join(', ')}`) : [];
    case 'bool':
      return typeof value === 'boolean' ? [] : bad('true or false');
    case 'int':
      return Number.isInteger(value) ? [] : bad('an integer');
    case 'number':
      return typeof value === 'number' ? [] : bad('a number');
    case 'duration':
      return (typeof value === 'string' && DURATION.test(value)) || Number.isInteger(value) ? [] : bad('a duration such as "5s"');
    case 'list':
      return Array.isArray(value) ? value.flatMap((v, i) => specProblems(v, spec.of, `${where}[${i}]`)) : bad('a list');
    case 'map':
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return bad('a mapping');
      return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
        if (spec.kind === 'map') return specProblems(v, spec.of, `${where}.${k}`);
        const child = spec.keys[k];
        return child ? specProblems(v, child, `${where}.${k}`) : [`${where}: unknown key "${k}" (known: ${Object.keys(spec.keys).sort().join(', ')})`];
      });
    }
  }
}

/** Schema problems of a whole collector config: unknown component types, unknown keys, wrong types. */
export function schemaProblems(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (!['receivers', 'processors', 'exporters', 'extensions', 'connectors', 'service'].includes(key)) problems.push(`unknown top-level key "${key}"`);
  }
  for (const section of Object.keys(COMPONENTS) as (keyof typeof COMPONENTS)[]) {
    const components = config[section];
    if (components === undefined || components === null) continue;
    if (typeof components !== 'object' || Array.isArray(components)) {
      problems.push(`${section}: expected a mapping`);
      continue;
    }
    for (const [id, body] of Object.entries(components as Record<string, unknown>)) {
      const type = id.split('/')[0]!;
      const spec = COMPONENTS[section][type];
      if (!spec) problems.push(`${section}.${id}: no schema for component type "${type}" (add it to test/support/collector-schema.ts from the collector source)`);
      else problems.push(...specProblems(body, spec, `${section}.${id}`));
    }
  }
  problems.push(...specProblems(config.service, SERVICE, 'service'));
  return problems;
}
