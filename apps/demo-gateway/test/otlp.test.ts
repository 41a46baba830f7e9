import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startOtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { describe, expect, it } from 'vitest';
import { GATEWAY_METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { APP_DIR, DIST } from './helpers';

const run = promisify(execFile);

describe('pnpm demo -- --otlp URL (the OpenTelemetry provider, found at run time)', () => {
  it('exports spans from gateway and upstream in one trace, every gateway-recorded metric, and logs', async () => {
    const receiver = await startOtlpReceiver();
    const logFile = path.join(tmpdir(), `demo-otlp-test-${process.pid}.log`);
    try {
      const { stdout } = await run(process.execPath, [path.join(DIST, 'cli.js'), 'demo', '--otlp', receiver.grpcUrl, '--log-file', logFile], {
        cwd: APP_DIR,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(stdout).toContain('provider "opentelemetry" loaded by core (active)');

      // A forwarded call: gateway SERVER → steps → CLIENT → upstream SERVER, one trace id.
      const upstream = receiver.spans.find((s) => s.resource['service.name'] === 'demo-upstream' && s.name === 'tools/call lookup_customer');
      expect(upstream).toBeDefined();
      const trace = receiver.spans.filter((s) => s.traceId === upstream!.traceId);
      const client = trace.find((s) => s.spanId === upstream!.parentSpanId)!;
      expect(client).toMatchObject({ name: 'tools/call lookup_customer', resource: expect.objectContaining({ 'service.name': 'secure-mcp-gateway' }) });
      expect(client.attributes['server.address']).toBeUndefined(); // a stdio upstream has no network address
      const step = trace.find((s) => s.spanId === client.parentSpanId)!;
      expect(step.name).toBe('gateway.upstream_call');
      const server = trace.find((s) => s.spanId === step.parentSpanId)!;
      expect(server).toMatchObject({ name: 'tools/call enkrypt_secure_call_tools', attributes: expect.objectContaining({ 'mcp.method.name': 'tools/call', 'network.transport': 'tcp' }) });

      const names = new Set(receiver.metrics.map((m) => m.name));
      expect(GATEWAY_METRIC_DEFINITIONS.map((d) => d.name).filter((n) => !names.has(n))).toEqual([]);
      const toolLog = receiver.logs.find((l) => l.body === 'tool_call' || (l.attributes as Record<string, unknown>).event === 'tool_call');
      expect(toolLog?.traceId).toMatch(/^[0-9a-f]{32}$/);

      const exported = JSON.stringify([receiver.spans, receiver.logs, receiver.metrics]);
      expect(exported).not.toContain('demo-gateway-key-4f1a9c2e7b3d');
      expect(exported).not.toContain('jane.doe@example.com');
    } finally {
      rmSync(logFile, { force: true });
      await receiver.close();
    }
  });
});
