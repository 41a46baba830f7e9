/**
 * Grafana dashboards generated from the catalog with the Grafana Foundation SDK. Every PromQL
 * query names its metrics through `prom(key)`; the tests check the reverse (every metric a query
 * uses is in the catalog, and the catalog's `dashboards` column lists the panel) and validate the
 * JSON against the SDK's schema types.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './layout.ts';
import type { DashboardSpec } from './layout.ts';
import { overview } from './overview.ts';
import { security } from './security.ts';

export { DATASOURCE_UIDS } from './panels.ts';
export type { JaegerSearchQuery } from './panels.ts';
export { dashboardSections } from './layout.ts';

export interface GeneratedDashboard {
  uid: string;
  title: string;
  description: string;
  /** File name under deploy/observability/grafana/dashboards/. */
  file: string;
  model: Dashboard;
}

const SPECS: readonly (() => DashboardSpec)[] = [overview, security];

/** The dashboards, freshly built. */
export function generatedDashboards(): GeneratedDashboard[] {
  return SPECS.map((spec) => {
    const s = spec();
    return { uid: s.uid, title: s.title, description: s.description, file: s.file, model: buildDashboard(s) };
  });
}

/** Rendered dashboards, keyed by file name under deploy/observability/grafana/dashboards/. */
export function renderDashboards(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of generatedDashboards()) out[d.file] = `${JSON.stringify(d.model, null, 2)}\n`;
  return out;
}
