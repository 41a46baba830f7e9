import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLevel, ProviderContext, ProviderInstance, TelemetrySettings } from '@secure-mcp-gateway/telemetry-core';
import { stdoutProvider } from '../src/index';

export interface Harness {
  instance: ProviderInstance;
  dir: string;
  file: string;
  diagnostics: { level: string; message: string }[];
  /** Flushes and returns the raw text written to the file so far. */
  text(): Promise<string>;
  /** Flushes and returns the JSON lines written so far, parsed. */
  lines(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export function makeContext(
  options: { logLevel?: LogLevel; env?: Record<string, string>; stdoutReserved?: boolean; configDir?: string } = {},
): { ctx: ProviderContext; diagnostics: { level: string; message: string }[] } {
  const diagnostics: { level: string; message: string }[] = [];
  const settings = { logLevel: options.logLevel ?? 'DEBUG', serviceName: 'test', enabled: true } as TelemetrySettings;
  const ctx: ProviderContext = {
    settings,
    stdoutReserved: options.stdoutReserved ?? false,
    configDir: options.configDir ?? process.cwd(),
    env: options.env ?? {},
    diagnostics: {
      debug: (message) => diagnostics.push({ level: 'debug', message }),
      warn: (message) => diagnostics.push({ level: 'warn', message }),
      error: (message) => diagnostics.push({ level: 'error', message }),
    },
  };
  return { ctx, diagnostics };
}

/** A provider instance writing to a fresh temp file, created through the provider's own config schema. */
export async function fileHarness(
  config: Record<string, unknown> = {},
  options: { logLevel?: LogLevel; env?: Record<string, string>; stdoutReserved?: boolean } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'provider-stdout-'));
  const file = join(dir, 'out.log');
  const { ctx, diagnostics } = makeContext({ ...options, configDir: dir });
  const validated = await stdoutProvider.configSchema!['~standard'].validate({ destination: file, ...config });
  if (validated.issues) throw new Error(JSON.stringify(validated.issues));
  const instance = await stdoutProvider.create(validated.value, ctx);
  const text = async (): Promise<string> => {
    await instance.forceFlush();
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };
  return {
    instance,
    dir,
    file,
    diagnostics,
    text,
    async lines() {
      const t = await text();
      return t
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async close() {
      await instance.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
