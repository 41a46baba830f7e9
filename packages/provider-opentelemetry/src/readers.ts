// Metric readers: the SDK's periodic reader and Prometheus exporter, each draining the
// pre-aggregated request-path measurements (metrics.ts) right before it collects, and a counting
// decorator of the PushMetricExporter interface.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { PeriodicExportingMetricReader, type CollectionResult, type MetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ExporterDecorator, type Exporter } from './exporter';

/** A periodic reader that first moves pre-aggregated measurements into the SDK (a public method, overridden). */
export class DrainingPeriodicReader extends PeriodicExportingMetricReader {
  constructor(
    private readonly drainPending: () => void,
    options: ConstructorParameters<typeof PeriodicExportingMetricReader>[0],
  ) {
    super(options);
  }

  override collect(options?: Parameters<MetricReader['collect']>[0]): Promise<CollectionResult> {
    this.drainPending();
    return super.collect(options);
  }
}

/** The Prometheus reader, draining pre-aggregated measurements before each scrape's collection. */
export class DrainingPrometheusExporter extends PrometheusExporter {
  constructor(
    private readonly drainPending: () => void,
    options: ConstructorParameters<typeof PrometheusExporter>[0],
  ) {
    super(options);
  }

  override collect(options?: Parameters<MetricReader['collect']>[0]): Promise<CollectionResult> {
    this.drainPending();
    return super.collect(options);
  }
}

function hasDataPoints(metrics: ResourceMetrics): boolean {
  return metrics.scopeMetrics.some((scope) => scope.metrics.some((metric) => metric.dataPoints.length > 0));
}

/**
 * Counts each metric export (stats().exportedMetricBatches / failedMetricExports) and sends no
 * request when nothing was recorded, or after shutdown's final flush.
 */
export class CountingMetricExporter extends ExporterDecorator<ResourceMetrics> implements PushMetricExporter {
  constructor(
    private readonly inner: Exporter<ResourceMetrics>,
    private readonly onResult: (result: ExportResult) => void,
  ) {
    super();
  }

  protected target(): Exporter<ResourceMetrics> {
    return this.inner;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.closed || !hasDataPoints(metrics)) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    this.inner.export(metrics, (result) => {
      this.onResult(result);
      resultCallback(result);
    });
  }

  /** No more requests: the reader's last collection after shutdown is not sent twice. */
  close(): void {
    this.closed = true;
  }
}

/**
 * Serves `reader`'s metrics at GET /metrics on host:port (0 = any free port); resolves with the
 * bound port. The server never keeps the host alive. Throws naming the config key when it cannot bind.
 */
export async function servePrometheus(reader: PrometheusExporter, host: string, port: number, key: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') {
      reader.getMetricsRequestHandler(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Prometheus metrics are served at /metrics\n');
  });
  try {
    const bound = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
    server.unref(); // a scrape endpoint must not keep the host alive
    return { server, port: bound };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `opentelemetry telemetry: cannot serve Prometheus metrics on ${host}:${port} (${key}): ${code ?? (error as Error).message}` +
        (code === 'EADDRINUSE' ? '; the port is in use: choose a free one, or 0 for any free port' : ''),
      { cause: error },
    );
  }
}

/** Closes the scrape endpoint and its open connections. */
export function closeServer(server: http.Server | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
