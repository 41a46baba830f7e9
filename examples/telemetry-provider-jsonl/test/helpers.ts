import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderContext, TelemetrySettings } from '@secure-mcp-gateway/telemetry-core';

export function tempDir(prefix = 'jsonl-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function readJsonl(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Core's defaults (docs/architecture.md), so the provider can be created without core's manager. */
export function testContext(configDir: string, settings: Partial<TelemetrySettings> = {}): ProviderContext {
  const errors: string[] = [];
  return {
    settings: {
      enabled: true,
      provider: 'telemetry-provider-jsonl',
      url: 'http://localhost:4317',
      insecure: true,
      serviceName: 'jsonl-test',
      jobName: 'enkryptai',
      logLevel: 'INFO',
      connectivityTimeoutMs: 2000,
      reconnectIntervalMs: 0,
      headers: {},
      tls: {},
      compression: 'none',
      batch: { timeoutMs: 1000, maxBatchSize: 1024, maxQueueSize: 8192 },
      metricExportIntervalMs: 60_000,
      samplingRatio: 1,
      capturePayloads: false,
      resourceAttributes: {},
      ...settings,
    },
    stdoutReserved: true,
    configDir,
    env: {},
    diagnostics: {
      debug: () => undefined,
      warn: (message) => void errors.push(message),
      error: (message) => void errors.push(message),
    },
  };
}
