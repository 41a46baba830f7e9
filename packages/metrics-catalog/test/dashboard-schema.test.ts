/**
 * The committed dashboards against the Grafana Foundation SDK's schema. The SDK (0.0.21) ships
 * its schema as TypeScript types only (no JSON Schema, no run-time validator), so this test turns
 * those types into JSON Schemas with ts-json-schema-generator and validates every file with Ajv:
 * no property the SDK's types lack, every required property present, only the SDK's enum values.
 * The SDK's `Dashboard` leaves panel options untyped; test/grafana-schema/panel-types.ts puts
 * back, per panel type, the SDK's own options, field-config and query types.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import { beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR } from '../scripts/generators/index.ts';
import { repoRoot } from '../scripts/repo-root.ts';

const root = repoRoot();
const pkg = join(root, 'packages/metrics-catalog');

/** Panel `type` → the type in panel-types.ts its JSON must satisfy. */
const PANEL_TYPES: Record<string, string> = {
  row: 'OpenRow',
  timeseries: 'TimeseriesPanel',
  stat: 'StatPanel',
  logs: 'LogsPanel',
  table: 'TracesTablePanel',
};

type Json = Record<string, unknown>;
let validators: Map<string, ValidateFunction>;

beforeAll(() => {
  const generator = createGenerator({
    path: join(pkg, 'test/grafana-schema/panel-types.ts'),
    tsconfig: join(pkg, 'tsconfig.json'),
    skipTypeCheck: true,
    // The SDK marks query variants with a method; JSON has none.
    functions: 'hide',
    expose: 'none',
    topRef: false,
    additionalProperties: false,
  });
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  validators = new Map(['DashboardShell', ...Object.values(PANEL_TYPES)].map((t) => [t, ajv.compile(generator.createSchema(t))]));
}, 60_000);

/** Ajv's errors for `value` against the type `type`, as "path: message" lines. */
function problems(type: string, value: unknown): string[] {
  const validate = validators.get(type)!;
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

function panelProblems(panel: Json): string[] {
  const type = PANEL_TYPES[String(panel.type)];
  if (!type) return [`panel "${String(panel.title)}": type ${String(panel.type)} has no SDK schema here`];
  return problems(type, panel).map((p) => `panel "${String(panel.title)}" (${String(panel.type)}): ${p}`);
}

const files = readdirSync(join(root, DASHBOARDS_DIR)).filter((f) => f.endsWith('.json'));
const load = (file: string) => JSON.parse(readFileSync(join(root, DASHBOARDS_DIR, file), 'utf8')) as Json & { panels: Json[] };

describe.each(files)('%s against the Grafana Foundation SDK schema', (file) => {
  it('the dashboard, without its panels, is an SDK Dashboard', () => {
    expect(problems('DashboardShell', load(file))).toEqual([]);
  });

  it('every panel is its panel type\'s SDK shape, with the SDK\'s query type for its datasource', () => {
    const dash = load(file);
    expect(dash.panels.length).toBeGreaterThan(0);
    expect(dash.panels.flatMap(panelProblems)).toEqual([]);
  });
});

describe('the schema check', () => {
  const timeseries = () => structuredClone(load(files[0]!).panels.find((p) => p.type === 'timeseries')!) as Json & {
    options: Json & { legend: Json };
    targets: Json[];
    fieldConfig: { defaults: Json & { custom: Json } };
  };

  it('rejects an option name the SDK does not know, a value outside an enum, a missing required option and a wrong query field', () => {
    const typo = timeseries();
    typo.options.legend.showLegnd = true;
    expect(panelProblems(typo).join('\n')).toMatch(/\/options\/legend must NOT have additional properties.*showLegnd/);

    const badEnum = timeseries();
    badEnum.options.legend.displayMode = 'grid';
    expect(panelProblems(badEnum).join('\n')).toMatch(/\/options\/legend\/displayMode must be equal to one of the allowed values/);

    const missing = timeseries();
    delete missing.options.tooltip;
    expect(panelProblems(missing).join('\n')).toMatch(/\/options must have required property 'tooltip'/);

    const badQuery = timeseries();
    badQuery.targets[0]!.legend = '{{server}}';
    expect(panelProblems(badQuery).join('\n')).toMatch(/\/targets\/0 must NOT have additional properties.*legend/);

    const badCustom = timeseries();
    badCustom.fieldConfig.defaults.custom.drawStyle = 'spline';
    expect(panelProblems(badCustom).join('\n')).toMatch(/\/fieldConfig\/defaults\/custom\/drawStyle must be equal to one of the allowed values/);
  });

  it('rejects an expanded row that nests its panels (Grafana would not show them) and a panel type it has no schema for', () => {
    const row = structuredClone(load(files[0]!).panels.find((p) => p.type === 'row')!);
    row.panels = [timeseries()];
    expect(panelProblems(row).join('\n')).toMatch(/\/panels must NOT have more than 0 items/);
    expect(panelProblems({ type: 'graph', title: 'old graph' })).toEqual(['panel "old graph": type graph has no SDK schema here']);
  });
});
