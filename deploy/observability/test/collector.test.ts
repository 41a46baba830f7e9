import { describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { at, mergeConfig, readYaml, type JsonObject } from './helpers.ts';
import { names, pipelines, referenceProblems } from './support/collector-config.ts';
import { collectorPrometheusName, OTLP_TYPE, unitAfterTransforms } from './prometheus-names.ts';

const base = readYaml('otel-collector/config.yaml');
const tls = mergeConfig(base, readYaml('otel-collector/tls.yaml'));

describe('collector pipelines', () => {
  it('use only defined receivers, processors and exporters, and every defined component is used', () => {
    expect(referenceProblems(base)).toEqual([]);
    expect(referenceProblems(tls)).toEqual([]);
  });

  it('the checker itself catches an undefined exporter and an unused processor', () => {
    const broken = mergeConfig(base, {
      processors: { 'filter/unused': {} },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['otlp/nowhere'] } } },
    });
    const problems = referenceProblems(broken);
    expect(problems).toContain('service.pipelines.traces.exporters uses "otlp/nowhere", which exporters does not define');
    expect(problems).toContain('processors.filter/unused is defined but no pipeline uses it');
  });

  it('has one pipeline per signal, each receiving OTLP, limiting memory first and batching', () => {
    const bySignal = Object.fromEntries(pipelines(base));
    expect(Object.keys(bySignal).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const [name, body] of Object.entries(bySignal)) {
      expect(body.receivers, name).toEqual(['otlp']);
      const processors = names(body.processors, name);
      expect(processors[0], `${name}: memory_limiter must run first`).toBe('memory_limiter');
      expect(processors.at(-1), `${name}: batch runs last, after anything that drops data`).toBe('batch');
    }
    expect(bySignal.traces!.exporters).toContain('otlp/jaeger');
    expect(bySignal.logs!.exporters).toContain('otlphttp/loki');
    expect(bySignal.metrics!.exporters).toContain('prometheus');
  });

  it('receives OTLP on 4317 (gRPC) and 4318 (HTTP) on every interface of the container', () => {
    expect(at(base, 'receivers', 'otlp', 'protocols', 'grpc', 'endpoint')).toBe('0.0.0.0:4317');
    expect(at(base, 'receivers', 'otlp', 'protocols', 'http', 'endpoint')).toBe('0.0.0.0:4318');
  });

  it('batches for 1 s or 1024 items and has a memory limit', () => {
    expect(at(base, 'processors', 'batch', 'timeout')).toBe('1s');
    expect(at(base, 'processors', 'batch', 'send_batch_size')).toBe(1024);
    const limiter = at(base, 'processors', 'memory_limiter') as JsonObject;
    expect(limiter.check_interval).toBeDefined();
    expect(limiter.limit_mib ?? limiter.limit_percentage).toBeGreaterThan(0);
  });

  it('sends traces to Jaeger over OTLP and logs to Loki over OTLP/HTTP at /otlp', () => {
    expect(at(base, 'exporters', 'otlp/jaeger', 'endpoint')).toBe('jaeger:4317');
    expect(at(base, 'exporters', 'otlphttp/loki', 'endpoint')).toBe('http://loki:3100/otlp');
  });

  it('serves metrics on 8889 without a namespace, with suffixes, exemplars and a health check', () => {
    const prom = at(base, 'exporters', 'prometheus') as JsonObject;
    expect(prom.endpoint).toBe('0.0.0.0:8889');
    expect(prom.namespace ?? '').toBe('');
    expect(prom.const_labels).toBeUndefined();
    expect(prom.add_metric_suffixes ?? true).toBe(true);
    expect(at(prom, 'resource_to_telemetry_conversion', 'enabled') ?? false).toBe(false);
    expect(prom.enable_open_metrics).toBe(true);
    expect(at(base, 'extensions', 'health_check', 'endpoint')).toBe('0.0.0.0:13133');
    expect(at(base, 'service', 'extensions')).toContain('health_check');
  });

  it('TLS variant: both OTLP receivers present the certificate the make-certs script writes', () => {
    for (const protocol of ['grpc', 'http']) {
      const t = at(tls, 'receivers', 'otlp', 'protocols', protocol, 'tls') as JsonObject;
      expect(t.cert_file).toBe('/etc/otelcol-contrib/certs/collector.crt');
      expect(t.key_file).toBe('/etc/otelcol-contrib/certs/collector.key');
      // The overlay only adds TLS: endpoints stay those of the base file.
      expect(at(tls, 'receivers', 'otlp', 'protocols', protocol, 'endpoint')).toBe(at(base, 'receivers', 'otlp', 'protocols', protocol, 'endpoint'));
    }
    expect(pipelines(tls)).toEqual(pipelines(base));
  });
});

// ── Prometheus names ────────────────────────────────────────────────────────────────────────

describe('collector metric names', () => {
  it('the translator model matches known collector outputs', () => {
    expect(collectorPrometheusName({ name: 'http.server.request.duration', unit: 's', type: 'histogram', monotonic: false })).toBe('http_server_request_duration_seconds');
    expect(collectorPrometheusName({ name: 'enkrypt_list_all_servers_calls', unit: '{call}', type: 'sum', monotonic: true })).toBe('enkrypt_list_all_servers_calls_total');
    expect(collectorPrometheusName({ name: 'system.cpu.utilization', unit: '1', type: 'gauge', monotonic: false })).toBe('system_cpu_utilization_ratio');
  });

  it('every catalog instrument reaches Prometheus under exactly the catalog name', () => {
    const namespace = String(at(base, 'exporters', 'prometheus', 'namespace') ?? '');
    const mismatches = METRIC_DEFINITIONS.flatMap((def) => {
      const kind = OTLP_TYPE[def.kind];
      if (!kind) return [`${def.name}: unknown kind ${def.kind}`];
      const unit = unitAfterTransforms(base, def.name, def.unit);
      const got = collectorPrometheusName({ name: def.name, unit, ...kind }, namespace);
      return got === def.prometheusName ? [] : [`${def.name} (${def.kind}, ${def.unit}): collector serves ${got}, catalog says ${def.prometheusName}`];
    });
    expect(mismatches).toEqual([]);
    expect(METRIC_DEFINITIONS.length).toBeGreaterThanOrEqual(34);
  });
});
