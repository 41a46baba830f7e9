// The protocol of an endpoint: configured, implied by the URL, or found by probing both ways
// (then the first export, or the connectivity check, finds it). Exporters are made for it on the
// first export: a decorator of the exporter interface that waits for the choice.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  CumulativeTemporalitySelector,
  DeltaTemporalitySelector,
  LowMemoryTemporalitySelector,
} from '@opentelemetry/exporter-metrics-otlp-http';
import type { AggregationOption, AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';
import type { OtlpProtocol, TelemetrySettings } from '@secure-mcp-gateway/telemetry-core';
import type { Endpoint } from './endpoint';
import { createExporter, metricAggregation, type ExporterOptions } from './exporters';
import { probeEndpoint, type ProbeResult } from './probe';
import { ExporterDecorator, type Exporter } from './exporter';

export class ProtocolChoice {
  private detecting: Promise<ProbeResult> | undefined;
  private found: OtlpProtocol | undefined;

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: ExporterOptions,
    /** Called once when a probe found the protocol of an endpoint that named none. */
    private readonly onFound: (result: ProbeResult) => void,
  ) {
    this.found = endpoint.protocol;
  }

  get protocol(): OtlpProtocol | undefined {
    return this.found;
  }

  /** Probes the endpoint (the connectivity check); remembers a protocol found by trying both. */
  probe(timeoutMs: number): Promise<ProbeResult> {
    const endpoint = this.found && !this.endpoint.protocol ? { ...this.endpoint, protocol: this.found } : this.endpoint;
    const run = probeEndpoint(endpoint, timeoutMs, this.options).then((result) => {
      if (result.ok && result.protocol && !this.found) {
        this.found = result.protocol;
        this.onFound(result);
      }
      return result;
    });
    if (!this.found) this.detecting = run;
    return run;
  }

  /** The protocol to export with: known, or found now by a probe (undefined when nothing answered). */
  async resolve(timeoutMs: number): Promise<OtlpProtocol | undefined> {
    if (this.found) return this.found;
    await (this.detecting ?? this.probe(timeoutMs));
    this.detecting = undefined;
    return this.found;
  }
}

const TEMPORALITY_SELECTORS = {
  cumulative: CumulativeTemporalitySelector,
  delta: DeltaTemporalitySelector,
  lowmemory: LowMemoryTemporalitySelector,
} as const;

/** An exporter of the signal, made by the SDK for the chosen protocol on the first export. */
export class ChosenProtocolExporter<T> extends ExporterDecorator<T> {
  private inner: Exporter<T> | undefined;

  protected target(): Exporter<T> | undefined {
    return this.inner;
  }

  constructor(
    private readonly choice: ProtocolChoice,
    /** This signal's endpoint (the choice may be shared by signals exported to the same place). */
    private readonly endpoint: Endpoint,
    private readonly options: ExporterOptions & { readonly probeTimeoutMs: number },
    private readonly settings: Pick<TelemetrySettings, 'metricTemporality' | 'metricHistogramAggregation'>,
  ) {
    super();
  }

  private async exporter(): Promise<Exporter<T> | undefined> {
    if (this.inner) return this.inner;
    const protocol = await this.choice.resolve(this.options.probeTimeoutMs);
    if (!protocol || this.closed) return undefined;
    this.inner ??= createExporter<T>(this.endpoint.signal, protocol, this.endpoint, this.options);
    return this.inner;
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    if (this.inner) {
      this.inner.export(items, resultCallback);
      return;
    }
    this.exporter().then(
      (exporter) => {
        if (exporter) exporter.export(items, resultCallback);
        else {
          const error = new Error(`no OTLP protocol answered at ${this.endpoint.display} (tried gRPC and HTTP)`);
          resultCallback({ code: ExportResultCode.FAILED, error });
        }
      },
      (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: error as Error }),
    );
  }

  // Metric exporters (asked before any export, so before the protocol is known): the same selection the SDK's OTLP metric exporters make from these settings.
  override selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return TEMPORALITY_SELECTORS[this.settings.metricTemporality](instrumentType);
  }

  override selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return metricAggregation(this.settings)(instrumentType);
  }
}
