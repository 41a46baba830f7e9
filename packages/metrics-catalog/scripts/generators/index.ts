/** Every generated file, keyed by its path relative to the repository root. */
import { renderAlertTests } from './alert-tests.ts';
import { renderAlertRules } from './alerts.ts';
import type { AlertOptions } from './alerts.ts';
import { renderDashboards } from './dashboards/index.ts';
import { renderDocs } from './docs.ts';
import { renderSloRules } from './slo.ts';
import { renderSloTests } from './slo-tests.ts';

export const DASHBOARDS_DIR = 'deploy/observability/grafana/dashboards';
export const RULES_DIR = 'deploy/observability/prometheus/rules';
export const RULES_FILE = `${RULES_DIR}/enkrypt-alerts.yml`;
// In a subfolder so Prometheus' `rules/*.yml` glob does not load the tests as rules.
export const RULES_TEST_FILE = `${RULES_DIR}/tests/enkrypt-alerts.test.yml`;
export const SLO_RULES_FILE = `${RULES_DIR}/enkrypt-slos.yml`;
export const SLO_RULES_TEST_FILE = `${RULES_DIR}/tests/enkrypt-slos.test.yml`;
export const DOCS_FILE = 'docs/metrics.md';

/** Options for the generated files; the committed files use the defaults. */
export type GenerateOptions = AlertOptions;

export function renderGeneratedFiles(options: GenerateOptions = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries(renderDashboards())) files[`${DASHBOARDS_DIR}/${name}`] = content;
  files[RULES_FILE] = renderAlertRules(options);
  files[RULES_TEST_FILE] = renderAlertTests('../enkrypt-alerts.yml', options);
  files[SLO_RULES_FILE] = renderSloRules();
  files[SLO_RULES_TEST_FILE] = renderSloTests('../enkrypt-slos.yml');
  files[DOCS_FILE] = renderDocs(options);
  return files;
}
