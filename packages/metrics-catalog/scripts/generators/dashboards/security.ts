/** The guardrails and security dashboard; like the overview, every panel sums across replicas. */
import { RATE_INTERVAL as R, prom, sumRate } from '../promql.ts';
import { logsPanel, timeseriesPanel } from './panels.ts';
import type { Placed, TimeseriesSpec } from './panels.ts';
import type { DashboardSpec } from './layout.ts';
import { latencyQuantiles } from './overview.ts';

const SERVER = '{server=~"$server"}';

const half = (spec: TimeseriesSpec): Placed => ({ panel: timeseriesPanel(spec), width: 12 });
const full = (spec: TimeseriesSpec): Placed => ({ panel: timeseriesPanel(spec), width: 24 });

/** A fresh spec each call: the SDK's builders are mutable and a built panel belongs to one dashboard. */
export const security = (): DashboardSpec => ({
  uid: 'enkrypt-gateway-security',
  title: 'Secure MCP Gateway — guardrails and security',
  description: 'Blocked calls, guardrail violations, PII redactions, guardrail API health and auth failures.',
  file: 'secure-mcp-gateway-security.json',
  sections: [
    {
      row: 'Guardrails',
      panels: [
        half({
          title: 'Blocked tool calls by violation type and direction',
          description: 'Tool calls a guardrail blocked per second.',
          unit: 'ops',
          targets: [
            { expr: sumRate(`${prom('toolCallBlocked')}${SERVER}`, R, ['direction', 'violation_type']), legend: '{{direction}}: {{violation_type}}' },
          ],
        }),
        half({
          title: 'Guardrail violations by type and direction',
          description: 'Guardrail violations detected per second.',
          unit: 'ops',
          targets: [
            { expr: sumRate(`${prom('guardrailViolations')}${SERVER}`, R, ['direction', 'violation_type']), legend: '{{direction}}: {{violation_type}}' },
          ],
        }),
        half({
          title: 'Input / output guardrail violations',
          description: 'Violations in tool-call arguments and in tool results.',
          unit: 'ops',
          targets: [
            { expr: sumRate(`${prom('inputGuardrailViolations')}${SERVER}`, R, ['violation_type']), legend: 'input: {{violation_type}}' },
            { expr: sumRate(`${prom('outputGuardrailViolations')}${SERVER}`, R, ['violation_type']), legend: 'output: {{violation_type}}' },
          ],
        }),
        half({
          title: 'Relevancy, adherence and hallucination violations',
          description: 'Output quality checks that failed, per second.',
          unit: 'ops',
          targets: [
            { expr: sumRate(`${prom('relevancyViolations')}${SERVER}`, R), legend: 'relevancy' },
            { expr: sumRate(`${prom('adherenceViolations')}${SERVER}`, R), legend: 'adherence' },
            { expr: sumRate(`${prom('hallucinationViolations')}${SERVER}`, R), legend: 'hallucination' },
          ],
        }),
        full({
          title: 'PII redactions by type and direction',
          description: 'PII values redacted per second.',
          unit: 'ops',
          targets: [{ expr: sumRate(`${prom('piiRedactions')}${SERVER}`, R, ['direction', 'pii_type']), legend: '{{direction}}: {{pii_type}}' }],
        }),
      ],
    },
    {
      row: 'Guardrail API',
      panels: [
        half({
          title: 'Guardrail API request rate by outcome',
          description: 'Requests to the guardrail API per second.',
          unit: 'reqps',
          targets: [{ expr: sumRate(prom('apiRequests'), R, ['endpoint', 'outcome']), legend: '{{endpoint}}: {{outcome}}' }],
        }),
        half({
          title: 'Guardrail API latency (p50 / p95 / p99)',
          description: 'Guardrail API request latency from the histogram buckets of all replicas.',
          unit: 's',
          targets: latencyQuantiles('apiRequestDuration'),
        }),
      ],
    },
    {
      row: 'Authentication',
      panels: [
        full({
          title: 'Authentication failures by reason',
          description: 'Rejected gateway-key authentications per second.',
          unit: 'ops',
          targets: [{ expr: sumRate(prom('authFailure'), R, ['transport', 'reason']), legend: '{{transport}}: {{reason}}' }],
        }),
      ],
    },
    {
      row: 'Logs',
      panels: [
        {
          panel: logsPanel(
            'Guardrail and auth logs',
            'Gateway log records about guardrails, redaction and authentication.',
            ' |~ "(?i)guardrail|blocked|violation|redact|auth"',
          ),
          width: 24,
          height: 10,
        },
      ],
    },
  ],
});
