/**
 * The JSON the generated dashboards may contain, stated with the Grafana Foundation SDK's own
 * schema types. The SDK's `Dashboard` leaves a panel's `options` as `any` and its targets as
 * an opaque query variant; these types put back, per panel type, the SDK's options,
 * field-config and query types. test/dashboard-schema.test.ts turns them into JSON Schemas
 * (ts-json-schema-generator: no property the types lack, every required one present, enum
 * values only) and validates the committed files.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as logs from '@grafana/grafana-foundation-sdk/logs';
import type * as loki from '@grafana/grafana-foundation-sdk/loki';
import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import type * as stat from '@grafana/grafana-foundation-sdk/stat';
import type * as table from '@grafana/grafana-foundation-sdk/table';
import type * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { JaegerSearchQuery } from '../../scripts/generators/dashboards/index.ts';

/** A field config whose `custom` part is the panel plugin's own field config. */
type FieldConfigSourceOf<Custom> = Omit<dashboard.FieldConfigSource, 'defaults'> & {
  defaults: Omit<dashboard.FieldConfig, 'custom'> & { custom?: Custom };
};

type PanelOf<Type extends string, Query, Options, Custom> = Omit<dashboard.Panel, 'type' | 'targets' | 'options' | 'fieldConfig'> & {
  type: Type;
  targets: Query[];
  options: Options;
  fieldConfig?: FieldConfigSourceOf<Custom>;
};

export type TimeseriesPanel = PanelOf<'timeseries', prometheus.Dataquery, timeseries.Options, timeseries.FieldConfig>;
/** The stat panel has no custom field config of its own. */
export type StatPanel = PanelOf<'stat', prometheus.Dataquery, stat.Options, Record<string, never>>;
export type LogsPanel = PanelOf<'logs', loki.dataquery, logs.Options, Record<string, never>>;
/** The Jaeger query is the generator's own `cog.Dataquery` variant (the SDK has no Jaeger type). */
export type TracesTablePanel = PanelOf<'table', Omit<JaegerSearchQuery, '_implementsDataqueryVariant'>, table.Options, table.FieldConfig>;

/** An expanded row: its panels follow it at the top level, so its own list is empty. */
export type OpenRow = Omit<dashboard.RowPanel, 'panels' | 'collapsed'> & { collapsed: false; panels: [] };

/** The dashboard itself, with each panel checked on its own (see the test). */
export type DashboardShell = Omit<dashboard.Dashboard, 'panels'> & { panels: unknown[] };
