// OTLP/gRPC export over grpc-js with channel options the OTel gRPC exporters do not expose:
// a short reconnect backoff (a collector that restarts is picked up within seconds, not up to
// the grpc-js default of 120 s) and wait-for-ready calls (an export waits for the connection
// within its deadline instead of failing at once while the channel is reconnecting).
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { BatchExporter } from './export';

export const GRPC_PATHS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
} as const;

export interface GrpcExporterOptions {
  /** `host:port` */
  address: string;
  credentials: grpc.ChannelCredentials;
  metadata: grpc.Metadata;
  compression: 'gzip' | 'none';
  timeoutMs: number;
  userAgent: string;
}

const identity = (value: Buffer): Buffer => value;

export class GrpcOtlpExporter<T> implements BatchExporter<T> {
  private client: grpc.Client | undefined;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly serialize: (items: T[]) => Uint8Array | undefined,
    private readonly options: GrpcExporterOptions,
  ) {}

  private getClient(): grpc.Client {
    this.client ??= new grpc.Client(this.options.address, this.options.credentials, {
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 5000,
      'grpc.default_compression_algorithm': this.options.compression === 'gzip' ? grpc.compressionAlgorithms.gzip : grpc.compressionAlgorithms.identity,
      'grpc.primary_user_agent': this.options.userAgent,
    });
    return this.client;
  }

  private metadata(): grpc.Metadata {
    const metadata = this.options.metadata.clone();
    metadata.setOptions({ waitForReady: true });
    return metadata;
  }

  export(items: T[], resultCallback: (result: ExportResult) => void): void {
    if (this.closed) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    let body: Uint8Array | undefined;
    try {
      body = this.serialize(items);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    if (!body) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('OTLP serialization produced nothing') });
      return;
    }
    try {
      this.getClient().makeUnaryRequest(
        this.path,
        identity,
        identity,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        this.metadata(),
        { deadline: Date.now() + this.options.timeoutMs },
        (error) => resultCallback(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS }),
      );
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  shutdown(): Promise<void> {
    this.closed = true;
    this.client?.close();
    this.client = undefined;
    return Promise.resolve();
  }
}
