import { randomUUID } from 'node:crypto';
import { arch, hostname, type as osType } from 'node:os';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ProviderContext } from '@secure-mcp-gateway/telemetry-core';

// One id per process: providers re-created in the same process (a backend that appears later)
// keep reporting as the same instance.
const SERVICE_INSTANCE_ID = randomUUID();

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm32', ia32: 'x86', ppc64: 'ppc64', s390x: 's390x' };

/**
 * The resource every span, metric and log record carries: SDK defaults, host and process,
 * `resource_attributes` / `OTEL_RESOURCE_ATTRIBUTES`, then service name, version, instance id and job.
 */
export function buildResource(ctx: ProviderContext): Resource {
  const { settings } = ctx;
  const attributes: Record<string, string | number> = {
    'host.name': hostname(),
    'host.arch': ARCH[arch()] ?? arch(),
    'os.type': osType().toLowerCase(),
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.executable.name': 'node',
    ...settings.resourceAttributes,
    'service.name': settings.serviceName,
    'service.instance.id': settings.resourceAttributes['service.instance.id'] ?? SERVICE_INSTANCE_ID,
    job: settings.jobName,
  };
  if (ctx.serviceVersion) attributes['service.version'] = ctx.serviceVersion;
  else if (settings.resourceAttributes['service.version']) attributes['service.version'] = settings.resourceAttributes['service.version'];
  return defaultResource().merge(resourceFromAttributes(attributes));
}
