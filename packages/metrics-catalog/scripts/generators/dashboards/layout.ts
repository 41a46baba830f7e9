/**
 * A dashboard from its sections: the SDK's DashboardBuilder lays the rows and panels out on the
 * 24-column grid. Rows stay open with their panels after them, as Grafana expects of an expanded
 * row (panels nested inside a row are only shown when the row is collapsed).
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { prom } from '../promql.ts';
import { DEFAULT_SERVICE, datasource } from './panels.ts';
import type { Placed } from './panels.ts';

export interface Section {
  row: string;
  panels: readonly Placed[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** File name under deploy/observability/grafana/dashboards/. */
  file: string;
  sections: readonly Section[];
}

const GRID_COLUMNS = 24;
const PANEL_HEIGHT = 8;
export const DASHBOARD_TAGS = ['secure-mcp-gateway', 'generated'];

/** The `$server` variable: upstream servers that have received tool calls. */
function serverVariable(): dashboard.QueryVariableBuilder {
  const query = `label_values(${prom('toolCalls')}, server)`;
  return new dashboard.QueryVariableBuilder('server')
    .label('Server')
    .datasource(datasource('prometheus'))
    .query({ query, refId: 'server' })
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .includeAll(true)
    .multi(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] })
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

function textVariable(name: string, label: string, value: string): dashboard.TextBoxVariableBuilder {
  return new dashboard.TextBoxVariableBuilder(name).label(label).defaultValue(value).current({ text: value, value });
}

function checkWidths(spec: DashboardSpec, section: Section): void {
  // The builder wraps to a new line only once a line is full: widths must fill whole lines.
  let used = 0;
  for (const { width } of section.panels) {
    if (width < 1 || used + width > GRID_COLUMNS) {
      throw new Error(`dashboard ${spec.uid}, row "${section.row}": panels must fill lines of ${GRID_COLUMNS} columns exactly`);
    }
    used = (used + width) % GRID_COLUMNS;
  }
  if (used !== 0) throw new Error(`dashboard ${spec.uid}, row "${section.row}": the last line is ${used} of ${GRID_COLUMNS} columns`);
}

export function buildDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(DASHBOARD_TAGS)
    .timezone('browser')
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .version(1)
    .link(
      new dashboard.DashboardLinkBuilder('Dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAGS[0]!])
        .asDropdown(false)
        .includeVars(true)
        .keepTime(true),
    )
    .withVariable(serverVariable())
    .withVariable(textVariable('service', 'Service (logs and traces)', DEFAULT_SERVICE))
    .withVariable(textVariable('search', 'Log search (regex)', ''));
  let id = 1;
  for (const section of spec.sections) {
    checkWidths(spec, section);
    builder.withRow(new dashboard.RowBuilder(section.row).id(id++));
    for (const { panel, width, height } of section.panels) {
      panel.id(id++);
      panel.span(width);
      panel.height(height ?? PANEL_HEIGHT);
      builder.withPanel(panel);
    }
  }
  return builder.build();
}

/** The row titles of a built dashboard, each with the titles of the panels under it. */
export function dashboardSections(model: dashboard.Dashboard): { row: string; panels: string[] }[] {
  const sections: { row: string; panels: string[] }[] = [];
  for (const p of model.panels ?? []) {
    if (p.type === 'row') sections.push({ row: p.title ?? '', panels: [] });
    else sections.at(-1)?.panels.push(p.title ?? '');
  }
  return sections;
}
