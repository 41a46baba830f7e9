/**
 * Every collector config of the stack against our schema of the pinned Collector's components
 * (test/support/collector-schema.ts, sources cited there), and the collector tier's design: an agent
 * per host routing traces by trace id to a gateway tier that tail-samples whole traces. The tier's
 * policies are also run against real gateway traces in scale-out.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { at, isObject, listFiles, mergeConfig, readJson, readYaml, type JsonObject } from './helpers.ts';
import { collectorPrometheusName, OTLP_TYPE, unitAfterTransforms } from './prometheus-names.ts';
import { names, pipelines, referenceProblems } from './support/collector-config.ts';
import { schemaProblems } from './support/collector-schema.ts';
import { alertQueries } from './support/fleet-queries.ts';

const base = readYaml('otel-collector/config.yaml');
const agent = readYaml('otel-collector/tier/agent.yaml');
const tier = readYaml('otel-collector/tier/gateway.yaml');
/** Every config the Collector would load: each file, overlays merged onto the base they extend. */
const CONFIGS: Record<string, JsonObject> = {
  'otel-collector/config.yaml': base,
  'otel-collector/config.yaml + tls.yaml': mergeConfig(base, readYaml('otel-collector/tls.yaml')),
  'otel-collector/tier/agent.yaml': agent,
  'otel-collector/tier/gateway.yaml': tier,
};
const OVERLAYS = ['otel-collector/tls.yaml'];

const exporters = (config: JsonObject) => config.exporters as Record<string, JsonObject>;

describe('collector configs against the pinned Collector component schemas', () => {
  it('covers every collector config file of the stack', () => {
    const files = listFiles('otel-collector', (f) => /\.ya?ml$/.test(f)).filter((f) => !OVERLAYS.includes(f));
    expect(files.sort()).toEqual(Object.keys(CONFIGS).filter((k) => !k.includes('+')).sort());
  });

  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`${name}: known components, known keys, right types; pipelines reference only defined components and every component is used`, () => {
      expect(schemaProblems(config)).toEqual([]);
      expect(referenceProblems(config)).toEqual([]);
    });
  }

  it('the schema check catches typos, wrong types, unknown components and keys newer than the pinned version', () => {
    const broken = mergeConfig(tier, {
      processors: {
        batch: { send_batch_sise: 1024 },
        memory_limiter: { limit_mib: '1500' },
        tail_sampling: { decision_wait: 'ten seconds', sample_on_first_match: true, policies: [{ name: 'x', type: 'status_codes', status_code: { status_codes: ['FAILED'] } }] },
      },
      exporters: { 'otlp/jaeger': { tls: { insecure: 'yes' } }, kafka: {} },
    });
    const problems = schemaProblems(broken).join('\n');
    expect(problems).toContain('processors.batch: unknown key "send_batch_sise"');
    expect(problems).toContain('processors.memory_limiter.limit_mib: expected an integer');
    expect(problems).toContain('processors.tail_sampling.decision_wait: expected a duration');
    expect(problems).toContain('processors.tail_sampling: unknown key "sample_on_first_match"');
    expect(problems).toContain('processors.tail_sampling.policies[0].type: expected one of');
    expect(problems).toContain('processors.tail_sampling.policies[0].status_code.status_codes[0]: expected one of');
    expect(problems).toContain('exporters.otlp/jaeger.tls.insecure: expected true or false');
    expect(problems).toContain('exporters.kafka: no schema for component type "kafka"');
    expect(schemaProblems(mergeConfig(agent, { exporters: { loadbalancing: { routing_key: 'traceId' } } })).join('\n')).toContain('routing_key: expected one of');
  });
});

describe('the collector tier', () => {
  it('every pipeline limits memory first and batches last, after anything that drops or regroups data', () => {
    for (const [file, config] of [['agent', agent], ['gateway tier', tier]] as const) {
      for (const [name, body] of pipelines(config)) {
        const processors = names(body.processors, `${file} ${name}`);
        expect(processors[0], `${file} ${name}`).toBe('memory_limiter');
        expect(processors.at(-1), `${file} ${name}`).toBe('batch');
      }
    }
  });

  it('the agent routes every span of a trace to one gateway-tier member, and only traces', () => {
    const bySignal = Object.fromEntries(pipelines(agent));
    expect(bySignal.traces!.exporters).toEqual(['loadbalancing']);
    for (const signal of ['logs', 'metrics']) expect(bySignal[signal]!.exporters, signal).not.toContain('loadbalancing');
    const lb = exporters(agent).loadbalancing!;
    expect(lb.routing_key).toBe('traceID');
    // The members it resolves listen where the gateway tier receives OTLP/gRPC.
    const tierGrpc = String(at(tier, 'receivers', 'otlp', 'protocols', 'grpc', 'endpoint'));
    expect(tierGrpc.split(':').at(-1)).toBe(String(at(lb, 'resolver', 'dns', 'port')));
    expect(at(lb, 'resolver', 'dns', 'hostname')).toBeTruthy();
  });

  it('every exporter that leaves the host queues and retries', () => {
    for (const [file, config] of [['agent', agent], ['gateway tier', tier]] as const) {
      for (const [id, body] of Object.entries(exporters(config))) {
        if (id === 'prometheus' || id === 'debug') continue; // pulled by Prometheus / local output
        expect(at(body, 'sending_queue', 'enabled'), `${file} ${id}: sending_queue`).toBe(true);
        expect(at(body, 'retry_on_failure', 'enabled'), `${file} ${id}: retry_on_failure`).toBe(true);
      }
    }
  });

  it('the gateway tier tail-samples whole traces: errors, blocked calls and slow calls kept, the rest sampled', () => {
    const bySignal = Object.fromEntries(pipelines(tier));
    expect(Object.keys(bySignal)).toEqual(['traces']);
    expect(bySignal.traces!.processors).toEqual(['memory_limiter', 'tail_sampling', 'batch']);
    const ts = at(tier, 'processors', 'tail_sampling') as { policies: JsonObject[]; decision_wait: string };
    const byType = (type: string) => ts.policies.filter((p) => p.type === type);
    expect(byType('status_code').map((p) => at(p, 'status_code', 'status_codes'))).toEqual([['ERROR']]);
    expect(byType('string_attribute').map((p) => at(p, 'string_attribute', 'key'))).toEqual(['error.type']);
    const rest = byType('probabilistic').map((p) => Number(at(p, 'probabilistic', 'sampling_percentage')));
    expect(rest).toHaveLength(1);
    expect(rest[0]).toBeGreaterThan(0);
    expect(rest[0]).toBeLessThan(100);
    // Each policy's settings sit under its own type (a block under another name is ignored by the Collector).
    for (const p of ts.policies) {
      const blocks = Object.keys(p).filter((k) => k !== 'name' && k !== 'type');
      expect(blocks, String(p.name)).toEqual([p.type]);
    }
  });

  it("slow means what the catalog's latency alert means", () => {
    const latencyAlert = alertQueries().find((r) => /histogram_quantile/.test(r.expr) && /enkrypt_tool_call_duration_seconds_bucket/.test(r.expr));
    const seconds = Number(/>\s*([\d.]+)\s*$/.exec(latencyAlert?.expr ?? '')?.[1]);
    expect(seconds, 'the latency alert threshold').toBeGreaterThan(0);
    const latency = (at(tier, 'processors', 'tail_sampling', 'policies') as JsonObject[]).find((p) => p.type === 'latency');
    expect(at(latency, 'latency', 'threshold_ms')).toBe(seconds * 1000);
  });

  it("the gateway tier waits for a trace longer than the compose gateway's longest call can last", () => {
    const config = readJson('gateway/enkrypt_mcp_config.json') as JsonObject;
    const timeouts = at(config, 'common_mcp_gateway_config', 'timeout_settings') as JsonObject;
    const failAt = Number(at(timeouts, 'escalation_policies', 'fail_threshold'));
    const servers = Object.values(config.mcp_configs as Record<string, { mcp_config: JsonObject[] }>).flatMap((c) => c.mcp_config);
    const longest = Math.max(...servers.map((s) => Number(s.tool_timeout ?? timeouts.tool_execution_timeout)), Number(timeouts.tool_execution_timeout)) * failAt;
    const wait = String(at(tier, 'processors', 'tail_sampling', 'decision_wait'));
    expect(/^\d+s$/.test(wait) ? Number(wait.slice(0, -1)) : NaN).toBeGreaterThan(longest);
  });

  it("the agent serves every catalog instrument under the catalog's Prometheus name, like the single collector", () => {
    const prom = exporters(agent).prometheus!;
    expect(at(prom, 'resource_to_telemetry_conversion', 'enabled') ?? false).toBe(false);
    const mismatches = METRIC_DEFINITIONS.flatMap((def) => {
      const served = collectorPrometheusName({ name: def.name, unit: unitAfterTransforms(agent, def.name, def.unit), ...OTLP_TYPE[def.kind]! }, String(prom.namespace ?? ''));
      return served === def.prometheusName ? [] : [`${def.name}: agent serves ${served}, catalog says ${def.prometheusName}`];
    });
    expect(mismatches).toEqual([]);
    expect(isObject(at(agent, 'processors', 'transform/prometheus_names'))).toBe(true);
  });
});
