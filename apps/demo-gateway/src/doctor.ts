#!/usr/bin/env node
/**
 * pnpm --filter @secure-mcp-gateway/demo-gateway run doctor [-- --collector URL --loki URL ...]
 * Runs the telemetry overview's troubleshooting checks against an observability stack.
 */
import { parseArgs } from 'node:util';
import { cliArgs } from './argv';
import { DEFAULT_DOCTOR_OPTIONS, formatDoctorReport, runDoctor } from './doctor-checks';

const { values } = parseArgs({
  args: cliArgs(),
  options: {
    collector: { type: 'string', default: process.env.DOCTOR_COLLECTOR_URL ?? DEFAULT_DOCTOR_OPTIONS.collector },
    'collector-metrics': { type: 'string', default: process.env.DOCTOR_COLLECTOR_METRICS_URL ?? DEFAULT_DOCTOR_OPTIONS.collectorMetrics },
    loki: { type: 'string', default: process.env.DOCTOR_LOKI_URL ?? DEFAULT_DOCTOR_OPTIONS.loki },
    prometheus: { type: 'string', default: process.env.DOCTOR_PROMETHEUS_URL ?? DEFAULT_DOCTOR_OPTIONS.prometheus },
    jaeger: { type: 'string', default: process.env.DOCTOR_JAEGER_URL ?? DEFAULT_DOCTOR_OPTIONS.jaeger },
    timeout: { type: 'string', default: String(DEFAULT_DOCTOR_OPTIONS.timeoutMs) },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: doctor [--collector URL] [--collector-metrics URL] [--loki URL] [--prometheus URL] [--jaeger URL] [--timeout MS] [--json]\n',
  );
  process.exit(0);
}

const results = await runDoctor({
  collector: values.collector,
  collectorMetrics: values['collector-metrics'],
  loki: values.loki,
  prometheus: values.prometheus,
  jaeger: values.jaeger,
  timeoutMs: Number(values.timeout) || DEFAULT_DOCTOR_OPTIONS.timeoutMs,
});
process.stdout.write(values.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatDoctorReport(results)}\n`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
