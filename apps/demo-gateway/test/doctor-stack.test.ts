import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDoctorReport } from '../src/doctor';
import { runStackChecks } from '../src/doctor-stack';
import { runCli } from './helpers';

// Small fake stack services on 127.0.0.1:0, each answering like the real one (or not).
type Handler = (path: string) => { status: number; body: string };
const servers: Server[] = [];

async function fake(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const { status, body } = handler(req.url ?? '/');
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on: bind, note the port, close. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

let healthy: Parameters<typeof runStackChecks>[0];
let collectorMetricsPort = '';

beforeAll(async () => {
  const collectorMetrics = await fake(() => ({ status: 200, body: '# HELP enkrypt_tool_calls_total x\nenkrypt_tool_calls_total{server="a",tool="b"} 3\n' }));
  collectorMetricsPort = new URL(collectorMetrics).port;
  const loki = await fake((p) => (p === '/ready' ? { status: 200, body: 'ready\n' } : { status: 404, body: '' }));
  const prometheus = await fake((p) => {
    if (p === '/api/v1/status/config') return { status: 200, body: JSON.stringify({ status: 'success', data: { yaml: `scrape_configs:\n- job_name: otel-collector\n  static_configs:\n  - targets: [otel-collector:${collectorMetricsPort}]\n` } }) };
    if (p === '/api/v1/targets') return { status: 200, body: JSON.stringify({ status: 'success', data: { activeTargets: [{ scrapeUrl: `http://otel-collector:${collectorMetricsPort}/metrics`, health: 'up' }] } }) };
    return { status: 404, body: '' };
  });
  const jaeger = await fake(() => ({ status: 200, body: '<html>Jaeger UI</html>' }));
  healthy = { collectorMetrics: `${collectorMetrics}/metrics`, loki, prometheus, jaeger, timeoutMs: 1000 };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('doctor --stack (the observability stack)', () => {
  it('passes every check against a healthy stack', async () => {
    const results = await runStackChecks(healthy);
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['Loki ready (/ready)', true],
      ['Prometheus scrape config includes the collector', true],
      ['Prometheus targets up', true],
      ['Collector metrics endpoint (Prometheus exporter)', true],
      ['Jaeger UI', true],
    ]);
    expect(results[3]!.detail).toContain('1 enkrypt_* sample(s)');
    expect(formatDoctorReport(undefined, results)).toContain('All 5 checks passed.');
  });

  it('fails each check with its fix when the stack is down', async () => {
    const down = await closedPort();
    const results = await runStackChecks({ collectorMetrics: `${down}/metrics`, loki: down, prometheus: down, jaeger: down, timeoutMs: 1000 });
    expect(results.every((r) => !r.ok && r.status === 'fail')).toBe(true);
    for (const r of results) expect(r.fix, r.name).toBeTruthy();
    expect(results[0]!.detail).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/ready failed \(ECONNREFUSED\)/);
    const report = formatDoctorReport(undefined, results);
    expect(report).toContain('FAIL  Loki ready (/ready)');
    expect(report).toContain('fix: Start Loki');
    expect(report).toContain('5 of 5 checks failed.');
  });

  it('spots a Loki that is not ready, a missing scrape job and a down target', async () => {
    const loki = await fake(() => ({ status: 503, body: 'Ingester not ready: waiting for 15s after being ready' }));
    const prometheus = await fake((p) =>
      p === '/api/v1/status/config'
        ? { status: 200, body: JSON.stringify({ data: { yaml: 'scrape_configs:\n- job_name: prometheus\n  static_configs:\n  - targets: [localhost:9090]\n' } }) }
        : { status: 200, body: JSON.stringify({ data: { activeTargets: [{ scrapeUrl: `http://otel-collector:${collectorMetricsPort}/metrics`, health: 'down', lastError: 'connection refused' }] } }) },
    );
    const results = await runStackChecks({ ...healthy, loki, prometheus });
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(byName['Loki ready (/ready)']).toMatchObject({ ok: false, detail: expect.stringContaining('503') });
    expect(byName['Loki ready (/ready)']!.fix).toContain('wait');
    expect(byName['Prometheus scrape config includes the collector']).toMatchObject({ ok: false });
    expect(byName['Prometheus scrape config includes the collector']!.fix).toContain(`otel-collector:${collectorMetricsPort}`);
    expect(byName['Prometheus targets up']).toMatchObject({ ok: false, detail: expect.stringContaining('connection refused') });
    expect(byName['Jaeger UI']!.ok).toBe(true);
  });

  it('`doctor --stack` from the CLI: no gateway config yet is a skip, the stack decides the exit code', async () => {
    const args = ['doctor', '--stack', '--json', '--loki', healthy!.loki!, '--prometheus', healthy!.prometheus!, '--jaeger', healthy!.jaeger!, '--collector-metrics', healthy!.collectorMetrics!];
    const run = await runCli(args, { env: { HOME: '/nonexistent-home' } });
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(run.code, run.stdout).toBe(0);
    expect(report.checks.map((c) => c.status)).toEqual(['skip', 'pass', 'pass', 'pass', 'pass', 'pass']);
    // A config named explicitly must exist, --stack or not.
    const named = await runCli([...args, '--config', '/nonexistent/enkrypt_mcp_config.json'], { env: { HOME: '/nonexistent-home' } });
    expect(named.code).toBe(1);
    expect((JSON.parse(named.stdout) as { checks: { status: string }[] }).checks[0]!.status).toBe('fail');
  });
});
