/**
 * The Prometheus queries of the generated dashboards and alert rules, read at test time from the
 * files the metrics catalog generates (never copied), with Grafana's variables filled in.
 */
import { listFiles, readJson, readYaml, type Json } from '../helpers.ts';

export interface NamedQuery {
  /** Where it comes from: `dashboard file / panel title` or `rule file / alert name`. */
  where: string;
  expr: string;
  /** Meant per replica: an alert whose text names `$labels.instance`, a panel whose legend names `{{instance}}`. */
  perReplica: boolean;
}

interface Panel {
  title?: string;
  panels?: Panel[];
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; legendFormat?: string; datasource?: { type?: string; uid?: string } }[];
}

/**
 * `$var` / `${var}` of a query variable become its "All" value (what a dashboard opened with
 * defaults shows); `$__rate_interval` and `$__interval` become `window`.
 */
function fillVariables(expr: string, variables: Record<string, string>, window: string): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}/g, window)
    .replace(/\$\{?(\w+)\}?/g, (match, name: string) => variables[name] ?? match);
}

export function dashboardQueries(window: string): NamedQuery[] {
  const out: NamedQuery[] = [];
  for (const file of listFiles('grafana/dashboards', (f) => f.endsWith('.json'))) {
    const dashboard = readJson(file) as { templating?: { list?: { name: string; type: string; allValue?: string }[] }; panels?: Panel[] };
    const variables = Object.fromEntries((dashboard.templating?.list ?? []).filter((v) => v.type === 'query' || v.type === 'custom').map((v) => [v.name, v.allValue ?? '.*']));
    const walk = (panels: Panel[] | undefined): void => {
      for (const panel of panels ?? []) {
        walk(panel.panels);
        for (const target of panel.targets ?? []) {
          const ds = target.datasource ?? panel.datasource;
          if (ds?.type !== 'prometheus' || !target.expr) continue;
          const expr = fillVariables(target.expr, variables, window);
          if (/\$/.test(expr)) throw new Error(`${file} / ${panel.title}: a variable this test does not fill in: ${target.expr}`);
          out.push({ where: `${file} / ${panel.title}`, expr, perReplica: /\{\{\s*instance\s*\}\}/.test(target.legendFormat ?? '') });
        }
      }
    };
    walk(dashboard.panels);
  }
  return out;
}

export function alertQueries(): NamedQuery[] {
  const out: NamedQuery[] = [];
  for (const file of listFiles('prometheus/rules', (f) => /\.ya?ml$/.test(f))) {
    const doc = readYaml(file);
    if (!Array.isArray(doc.groups)) continue; // promtool unit tests live here too
    for (const group of doc.groups as { rules: { alert?: string; record?: string; expr: string; annotations?: Record<string, Json> }[] }[]) {
      for (const rule of group.rules) {
        const text = JSON.stringify(rule.annotations ?? {});
        out.push({ where: `${file} / ${rule.alert ?? rule.record}`, expr: rule.expr, perReplica: /\$labels\.instance\b/.test(text) });
      }
    }
  }
  return out;
}
