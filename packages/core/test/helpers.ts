import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, vi, type MockInstance } from 'vitest';

export const CORE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A temporary project folder whose node_modules links the workspace core (as an installed copy would be). */
const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function makeProject(prefix = 'core-test-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  created.push(root);
  mkdirSync(join(root, 'node_modules', '@secure-mcp-gateway'), { recursive: true });
  symlinkSync(CORE_DIR, join(root, 'node_modules', '@secure-mcp-gateway', 'telemetry-core'), 'dir');
  return root;
}

/** Writes a package into `<root>/node_modules/<name>` with the given files. */
export function installPackage(root: string, name: string, pkg: Record<string, unknown>, files: Record<string, string>): string {
  const dir = join(root, 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...pkg }, null, 2));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/**
 * Source of a provider that records into `globalThis[Symbol.for('core-test.records')]`, so a test
 * can see it was loaded and used. `core` is its meta.core range.
 */
export function providerSource(format: 'esm' | 'cjs', options: { name?: string; core?: string; extra?: string } = {}): string {
  const body = `defineProvider({
  meta: { name: ${JSON.stringify(options.name ?? 'tmp')}, version: '1.0.0', core: ${JSON.stringify(options.core ?? '^0.1.0')} },
  create(config, ctx) {
    const sink = (globalThis[Symbol.for('core-test.records')] ??= []);
    ${options.extra ?? ''}
    const write = (record) => sink.push({ provider: ${JSON.stringify(options.name ?? 'tmp')}, config, record });
    return {
      logger: (name) => createRecordLogger({ name, threshold: ctx.settings.logLevel, write }),
      tracer: () => noopProvider.create({}, ctx).tracer('x'),
      meter: () => noopProvider.create({}, ctx).meter('x'),
      emit: write,
      forceFlush: async () => {},
      shutdown: async () => {},
    };
  },
})`;
  return format === 'esm'
    ? `import { defineProvider, createRecordLogger, noopProvider } from '@secure-mcp-gateway/telemetry-core';\nexport default ${body};\n`
    : `'use strict';\nconst { defineProvider, createRecordLogger, noopProvider } = require('@secure-mcp-gateway/telemetry-core');\nmodule.exports = ${body};\n`;
}

export function records(): { provider: string; config: unknown; record: { event: string; level: string; time: number; traceId?: string; context: Record<string, unknown>; fields: Record<string, unknown> } }[] {
  return ((globalThis as Record<symbol, unknown>)[Symbol.for('core-test.records')] ??= []) as never;
}

/** Silences process.stderr in each test of the file; the returned function lists the telemetry WARNING lines written so far. */
export function captureWarnings(): () => string[] {
  let stderr: MockInstance | undefined;
  beforeEach(() => {
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => stderr?.mockRestore());
  return () =>
    (stderr?.mock.calls ?? [])
      .map((c) => String(c[0]))
      .join('')
      .split('\n')
      .filter((l) => l.includes('telemetry WARNING'));
}
