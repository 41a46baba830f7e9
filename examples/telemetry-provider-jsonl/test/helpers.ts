import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TELEMETRY_SETTINGS } from '@secure-mcp-gateway/telemetry-core';
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

/** Core's defaults, so the provider can be created directly, without core's manager. */
export function testContext(configDir: string, settings: Partial<TelemetrySettings> = {}): ProviderContext {
  const errors: string[] = [];
  return {
    settings: {
      ...DEFAULT_TELEMETRY_SETTINGS,
      provider: 'telemetry-provider-jsonl',
      serviceName: 'jsonl-test',
      // Metric points are written on forceFlush in these tests, not by the timer.
      metricExportIntervalMs: 60_000,
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
