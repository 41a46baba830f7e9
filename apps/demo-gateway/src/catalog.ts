import * as catalog from '@secure-mcp-gateway/metrics-catalog';
import { METRIC_DEFINITIONS, type MetricDefinition } from '@secure-mcp-gateway/metrics-catalog';

/**
 * The catalog rows the gateway itself records (`recordedIn: 'gateway'`), i.e. what
 * `createGatewayMetrics` creates. Provider-owned rows (the OpenTelemetry provider's
 * `enkrypt_telemetry_dropped_total`) are registered by the provider, not by this app.
 *
 * Read through the namespace so this works with a catalog build that predates
 * `GATEWAY_METRIC_DEFINITIONS` / `recordedIn` (then the one provider-owned row is filtered by name).
 */
type CatalogExtras = {
  GATEWAY_METRIC_DEFINITIONS?: readonly MetricDefinition[];
  DEFAULT_MAX_SESSIONS?: number;
};
const extras = catalog as unknown as CatalogExtras;
const PROVIDER_OWNED = new Set(['enkrypt_telemetry_dropped_total']);

export const GATEWAY_RECORDED_DEFINITIONS: readonly MetricDefinition[] =
  extras.GATEWAY_METRIC_DEFINITIONS ??
  METRIC_DEFINITIONS.filter((d) => {
    const recordedIn = (d as { recordedIn?: string }).recordedIn;
    return recordedIn ? recordedIn === 'gateway' : !PROVIDER_OWNED.has(d.name);
  });

/** Default cap on concurrent sessions (catalog's `DEFAULT_MAX_SESSIONS` when it exports one). */
export const DEFAULT_MAX_SESSIONS: number = typeof extras.DEFAULT_MAX_SESSIONS === 'number' ? extras.DEFAULT_MAX_SESSIONS : 1000;
