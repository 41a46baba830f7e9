export {
  METRIC_DEFINITIONS,
  GATEWAY_METRIC_DEFINITIONS,
  DEFAULT_MAX_SESSIONS,
  GATEWAY_DURATION_BUCKETS,
  MCP_DURATION_BUCKETS,
  getMetricDefinition,
  findMetricDefinition,
  prometheusNameOf,
  toPrometheusName,
} from './definitions.js';
export type {
  InstrumentKind,
  MetricDefinition,
  GatewayMetricDefinition,
  GatewayMetricKey,
  GatewayRecordedMetricDefinition,
  GatewayRecorderKey,
  MetricRecordedIn,
  GatewayMetricName,
  MetricDefinitionFor,
  AllowedAttributeKey,
} from './definitions.js';
export { SLO_DEFINITIONS } from './slos.js';
export type { SloDefinition, SloIndicator, SloId } from './slos.js';
export { createGatewayMetrics } from './recorders.js';
export type {
  GatewayMetrics,
  GatewayMetricsOptions,
  MetricAttributes,
  MetricAttributeValue,
  CounterRecorder,
  UpDownCounterRecorder,
  HistogramRecorder,
  ObservableGaugeRecorder,
  GaugeObserve,
  ObservableCounterRecorder,
  CounterObserve,
  RecorderFor,
} from './recorders.js';
