import { z } from 'zod';
import { LOG_LEVELS, parseLogLevel } from '../levels';
import { safeUrl } from '../secrets';

/**
 * Why an OTLP endpoint URL is unusable, or undefined when it is fine. The host must be there,
 * and so must the port (an OTLP collector on port 80 is almost always a typo); `https` may rely
 * on its default port 443. The URL is quoted through `safeUrl` (no credentials in messages).
 */
export function describeUrlProblem(value: string): string | undefined {
  const shown = safeUrl(value);
  if (/^https?:\/\/(?:[^@/]*@)?(?::\d*)?(?:[/?#]|$)/i.test(value)) return `URL "${shown}" has no host (expected e.g. http://localhost:4317)`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected an http:// or https:// URL with host and port (e.g. http://localhost:4317), got "${shown}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `expected an http:// or https:// URL with host and port (e.g. http://localhost:4317), got "${shown}"`;
  }
  if (!url.hostname) return `URL "${shown}" has no host (expected e.g. http://localhost:4317)`;
  const explicitPort = /^[a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.test(value);
  if (!explicitPort && url.protocol === 'http:') return `URL "${shown}" has no port (expected e.g. http://${url.hostname}:4317)`;
  return undefined;
}

const urlString = z
  .string()
  .superRefine((value, ctx) => {
    const problem = describeUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'OTLP endpoint URL, gRPC or HTTP, with host and port.', examples: ['http://localhost:4317'] });

const positiveInt = z.number().int().positive();

/** `plugins.telemetry.config`: the common keys typed; provider-specific keys pass through. */
export const telemetryConfigSchema = z
  .looseObject({
    enabled: z.boolean().optional().meta({ description: 'false = no-op logger, tracer and meter. Default true.' }),
    url: urlString.optional(),
    insecure: z.boolean().optional().meta({ description: 'No TLS (default true); false for production.' }),
    service_name: z.string().min(1).optional().meta({ description: 'Resource service.name. Default secure-mcp-gateway.' }),
    job_name: z.string().min(1).optional().meta({ description: 'Resource job. Default enkryptai.' }),
    protocol: z.enum(['grpc', 'http/protobuf', 'http/json']).optional().meta({ description: 'OTLP protocol; default inferred from the URL (4317 gRPC, 4318 or a path HTTP, else probed both ways).' }),
    headers: z.record(z.string(), z.string()).optional().meta({ description: 'Export headers (secret: never logged).' }),
    ca: z.string().min(1).optional().meta({ description: 'CA certificate file, relative to this file.' }),
    cert: z.string().min(1).optional().meta({ description: 'Client certificate file (mTLS), relative to this file.' }),
    key: z.string().min(1).optional().meta({ description: 'Client private key file (mTLS), relative to this file.' }),
    compression: z.enum(['gzip', 'none']).optional().meta({ description: 'Export compression. Default none.' }),
    timeout_ms: positiveInt.optional().meta({ description: 'Batch export delay/timeout in ms. Default 1000.' }),
    max_batch_size: positiveInt.optional().meta({ description: 'Max records per export batch. Default 1024.' }),
    max_queue_size: positiveInt.optional().meta({ description: 'Max queued records before dropping. Default 8192.' }),
    metric_export_interval_ms: positiveInt.optional().meta({ description: 'Metric export interval in ms. Default 5000.' }),
    sampling_ratio: z.number().min(0).max(1).optional().meta({ description: 'Parent-based trace sampling ratio 0..1. Default 1.' }),
    prometheus_port: z.number().int().min(0).max(65535).optional().meta({ description: 'Serve a Prometheus scrape endpoint on this port.' }),
    capture_payloads: z.boolean().optional().meta({ description: 'Capture tool arguments/results on spans (redacted, truncated). Default false.' }),
    reconnect_interval_ms: z.number().int().min(0).optional().meta({ description: 'Re-check an unreachable backend this often (0 = never). Default 10000.' }),
    resource_attributes: z.record(z.string(), z.string()).optional().meta({ description: 'Extra resource attributes.' }),
  })
  .meta({ description: 'Telemetry settings; provider-specific keys are allowed beside these.' });

const logLevelString = z
  .string()
  .superRefine((value, ctx) => {
    if (!parseLogLevel(value)) {
      ctx.addIssue({ code: 'custom', message: `unknown log level "${value}" (expected one of ${LOG_LEVELS.join(', ')})` });
    }
  })
  .meta({ description: 'Log level threshold (case-insensitive).', examples: [...LOG_LEVELS] });

/** The whole `enkrypt_mcp_config.json`: telemetry parts strict, everything else passed through. */
export const gatewayConfigSchema = z
  .looseObject({
    common_mcp_gateway_config: z
      .looseObject({
        enkrypt_log_level: logLevelString.optional(),
        timeout_settings: z
          .looseObject({
            connectivity_timeout: z.number().positive().optional().meta({ description: 'Seconds for the telemetry reachability check. Default 2.' }),
          })
          .optional(),
      })
      .optional(),
    plugins: z
      .looseObject({
        telemetry: z
          .looseObject({
            provider: z
              .string()
              .min(1)
              .optional()
              .meta({ description: 'opentelemetry, stdout, a package name or a path.', examples: ['opentelemetry', 'stdout'] }),
            config: telemetryConfigSchema.optional(),
          })
          .optional(),
      })
      .optional(),
    // The gateway's own sections: accepted as they are, the gateway validates them itself.
    apikeys: z.unknown().optional(),
    projects: z.unknown().optional(),
    users: z.unknown().optional(),
    mcp_configs: z.unknown().optional(),
  })
  .meta({ title: 'enkrypt_mcp_config.json', description: 'Secure MCP Gateway configuration (telemetry parts validated strictly).' });

/** A parsed `enkrypt_mcp_config.json`. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
/** A parsed `plugins.telemetry.config`. */
export type TelemetryFileConfig = z.output<typeof telemetryConfigSchema>;

/** The JSON Schema committed as `schema/enkrypt_mcp_config.schema.json`. */
export function gatewayConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(gatewayConfigSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return { $id: 'https://secure-mcp-gateway.dev/schema/enkrypt_mcp_config.schema.json', ...schema };
}
