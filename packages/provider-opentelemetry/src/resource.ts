// The resource every span, metric and log record carries, from the SDK's own detectors.
import {
  defaultResource,
  detectResources,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
} from '@opentelemetry/resources';
import type { ProviderContext } from '@secure-mcp-gateway/telemetry-core';

/**
 * Attributes a detector reports that never leave the process: the command line may carry
 * tokens (`--header authorization=…`), and a resource rides on every export.
 */
const WITHHELD = new Set(['process.command_args']);

/**
 * SDK defaults, then host, OS and process (detectors), then `resource_attributes` /
 * `OTEL_RESOURCE_ATTRIBUTES` (core has merged them), then service name, version, instance id and job.
 * The environment detector is not used: core reads the environment it was given (ctx.env), which
 * is what `settings` holds. Async attributes (host.id) are awaited here, once.
 */
export async function buildResource(ctx: ProviderContext): Promise<Resource> {
  const { settings } = ctx;
  const detected = detectResources({ detectors: [hostDetector, osDetector, processDetector, serviceInstanceIdDetector] });
  await detected.waitForAsyncAttributes?.();
  const kept = Object.fromEntries(Object.entries(detected.attributes).filter(([key, value]) => !WITHHELD.has(key) && value !== undefined));
  const attributes: Record<string, string | number | boolean> = {
    ...(kept as Record<string, string | number | boolean>),
    ...settings.resourceAttributes,
    'service.name': settings.serviceName,
    job: settings.jobName,
  };
  if (settings.resourceAttributes['service.instance.id']) attributes['service.instance.id'] = settings.resourceAttributes['service.instance.id'];
  if (ctx.serviceVersion) attributes['service.version'] = ctx.serviceVersion;
  return defaultResource().merge(resourceFromAttributes(attributes));
}
