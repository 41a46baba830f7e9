import { UsageError, type ParsedValues } from './argv';
import { DOCTOR } from './commands';
import { runConfigChecks, type CheckResult } from './doctor-checks';
import { DEFAULT_STACK_OPTIONS, runStackChecks } from './doctor-stack';

/** `secure-mcp-gateway doctor`: the config's checks (and the stack's with --stack); exit 0 when none fails. */
export async function doctor(values: ParsedValues): Promise<number> {
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const raw = values.timeout as string;
    if (!/^\d{1,7}$/.test(raw) || Number(raw) === 0) throw new UsageError(`option --timeout must be a number of milliseconds above 0, got "${raw}"`, DOCTOR);
    timeoutMs = Number(raw);
  }
  const stackUrls = ['loki', 'prometheus', 'jaeger', 'collector-metrics'].filter((name) => values[name] !== undefined);
  if (stackUrls.length > 0 && values.stack !== true) {
    throw new UsageError(`--${stackUrls[0]} applies to the stack checks: add --stack`, DOCTOR);
  }
  const report = await runConfigChecks({ configFlag: values.config as string | undefined, timeoutMs, configOptional: values.stack === true });
  const checks: CheckResult[] = [...report.checks];
  if (values.stack === true) {
    const env = process.env;
    checks.push(
      ...(await runStackChecks({
        loki: (values.loki as string | undefined) ?? env.DOCTOR_LOKI_URL ?? DEFAULT_STACK_OPTIONS.loki,
        prometheus: (values.prometheus as string | undefined) ?? env.DOCTOR_PROMETHEUS_URL ?? DEFAULT_STACK_OPTIONS.prometheus,
        jaeger: (values.jaeger as string | undefined) ?? env.DOCTOR_JAEGER_URL ?? DEFAULT_STACK_OPTIONS.jaeger,
        collectorMetrics: (values['collector-metrics'] as string | undefined) ?? env.DOCTOR_COLLECTOR_METRICS_URL ?? DEFAULT_STACK_OPTIONS.collectorMetrics,
        timeoutMs: timeoutMs ?? DEFAULT_STACK_OPTIONS.timeoutMs,
      })),
    );
  }
  const ok = checks.every((check) => check.status !== 'fail');
  const output = values.json === true ? `${JSON.stringify({ ok, config: report.config ?? null, checks }, null, 2)}\n` : formatDoctorReport(report.config, checks);
  process.stdout.write(output);
  return ok ? 0 : 1;
}

/** Human-readable report: one block per check, the fix under each failure, a closing count. */
export function formatDoctorReport(config: string | undefined, checks: readonly CheckResult[]): string {
  const indent = (text: string) => text.split('\n').map((line) => `      ${line}`).join('\n');
  const lines = [`secure-mcp-gateway doctor${config ? `: ${config}` : ''}`, ''];
  for (const check of checks) {
    lines.push(`${check.status.toUpperCase().padEnd(4)}  ${check.name}`, indent(check.detail));
    if (check.fix) lines.push(indent(`fix: ${check.fix}`));
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const skipped = checks.filter((c) => c.status === 'skip').length;
  const ran = checks.length - skipped;
  lines.push('', failed === 0 ? `All ${ran} checks passed${skipped ? ` (${skipped} skipped)` : ''}.` : `${failed} of ${ran} checks failed${skipped ? ` (${skipped} skipped)` : ''}.`);
  if (checks[0]?.name === 'Config file' && checks[0].status !== 'pass' && !checks.slice(1).some((c) => c.name.startsWith('Telemetry'))) {
    lines.push('The telemetry and upstream checks need a valid config file.');
  }
  return `${lines.join('\n')}\n`;
}
