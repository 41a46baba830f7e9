/**
 * The panel kinds the generated dashboards use, built with the Grafana Foundation SDK's typed
 * builders: every option name and enum value below is checked by the compiler against the SDK's
 * schema types, and test/dashboard-schema.test.ts validates the built JSON against them again.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Datasource uids the deploy stack provisions (deploy/observability/grafana/provisioning). */
export const DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki', jaeger: 'jaeger' } as const;
export type DatasourceKind = keyof typeof DATASOURCE_UIDS;

export function datasource(kind: DatasourceKind): common.DataSourceRef {
  return { type: kind, uid: DATASOURCE_UIDS[kind] };
}

/** `service.name` the gateway reports by default; Loki's `service_name` label, Jaeger's service. */
export const DEFAULT_SERVICE = 'secure-mcp-gateway';

/** One PromQL query of a panel and the legend of the series it returns. */
export interface PromTarget {
  expr: string;
  legend: string;
}

/** Anything the layout can place: the SDK's panel builders (id and size are set at placement). */
export type PanelBuilder = cog.Builder<dashboard.Panel> & {
  id(id: number): unknown;
  span(width: number): unknown;
  height(height: number): unknown;
};

/** A panel and its width in grid columns (of 24); every panel is 8 rows high unless given. */
export interface Placed {
  panel: PanelBuilder;
  width: number;
  height?: number;
}

const refId = (i: number) => String.fromCharCode(65 + i);

function promQuery(t: PromTarget, i: number, instant = false): prometheus.DataqueryBuilder {
  const query = new prometheus.DataqueryBuilder()
    .refId(refId(i))
    .datasource(datasource('prometheus'))
    .expr(t.expr)
    .legendFormat(t.legend)
    .editorMode(prometheus.QueryEditorMode.Code);
  return instant ? query.instant() : query.range();
}

/** Threshold steps: the base colour, then each colour from its value up (Grafana wants them ascending). */
export function thresholds(base: string, steps: readonly { value: number; color: string }[] = []): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...[...steps].sort((a, b) => a.value - b.value)]);
}

export interface TimeseriesSpec {
  title: string;
  description: string;
  /** A Grafana unit id (`reqps`, `s`, `percentunit`, …). */
  unit: string;
  targets: readonly PromTarget[];
  /** Dashed lines an operator compares the series with (an SLO threshold, a burn factor). */
  lines?: readonly { value: number; color: string }[];
}

export function timeseriesPanel(spec: TimeseriesSpec): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource('prometheus'))
    .unit(spec.unit)
    .min(0)
    .drawStyle(common.GraphDrawStyle.Line)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs([]),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  if (spec.lines?.length) {
    panel
      .thresholds(thresholds('transparent', spec.lines))
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  spec.targets.forEach((t, i) => panel.withTarget(promQuery(t, i)));
  return panel;
}

export interface StatSpec {
  title: string;
  description: string;
  unit: string;
  target: PromTarget;
  /** One value for the panel's end time, no sparkline: for long windows too costly to graph. */
  instant?: boolean;
  /** Green below the first step, then each step's colour. */
  steps: readonly { value: number; color: string }[];
}

export function statPanel(spec: StatSpec): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource('prometheus'))
    .unit(spec.unit)
    .thresholds(thresholds('green', spec.steps))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(spec.instant ? common.BigValueGraphMode.None : common.BigValueGraphMode.Area)
    .textMode(common.BigValueTextMode.Auto)
    .withTarget(promQuery(spec.target, 0, spec.instant));
}

/** Gateway log records of the `$service` variable's service, filtered by `$search`. */
export function logsPanel(title: string, description: string, lineFilter = ''): logs.PanelBuilder {
  return new logs.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource('loki'))
    .showTime(true)
    .showLabels(false)
    .showCommonLabels(false)
    .showLogContextToggle(true)
    .wrapLogMessage(true)
    .prettifyLogMessage(false)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .dedupStrategy(common.LogsDedupStrategy.None)
    .withTarget(
      new loki.DataqueryBuilder()
        .refId('A')
        .datasource(datasource('loki'))
        .expr(`{service_name=~"$service"}${lineFilter} |~ "$search"`)
        .queryType('range'),
    );
}

/**
 * A Jaeger search. The SDK ships no Jaeger query type; a custom `cog.Dataquery` builder is its
 * documented way to add one.
 */
export interface JaegerSearchQuery {
  refId: string;
  datasource: common.DataSourceRef;
  queryType: 'search';
  service: string;
  limit: number;
  _implementsDataqueryVariant(): void;
}

class JaegerSearchBuilder implements cog.Builder<cog.Dataquery> {
  constructor(private readonly service: string, private readonly limit: number) {}

  build(): JaegerSearchQuery {
    return {
      refId: 'A',
      datasource: datasource('jaeger'),
      queryType: 'search',
      service: this.service,
      limit: this.limit,
      _implementsDataqueryVariant() {},
    };
  }
}

export function tracesPanel(): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Recent traces')
    .description('Latest gateway traces from Jaeger; click a trace ID to open it.')
    .datasource(datasource('jaeger'))
    .showHeader(true)
    .cellHeight(common.TableCellHeight.Sm)
    .withTarget(new JaegerSearchBuilder('$service', 20));
}
