import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageRoot = resolve(import.meta.dirname, '..');
const coreRoot = resolve(packageRoot, '../core');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, maxBuffer: 32 << 20, env: { ...process.env, CI: 'true', NO_COLOR: '1' } });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: error });
  }
}

/** `pnpm pack` into `dest`; returns the tarball's path. */
async function pack(dir: string, dest: string): Promise<string> {
  const out = await sh('pnpm', ['pack', '--pack-destination', dest], dir);
  const tarball = out.trim().split('\n').pop()!.trim();
  return resolve(dest, tarball);
}

// One scaffold + install shared by the file: installing is the slow part.
describe('a scaffolded provider, as a third party gets it', () => {
  let tmp: string;
  let provider: string;
  let coreTarball: string;
  let scaffoldOut: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ctp-e2e-'));
    coreTarball = await pack(coreRoot, tmp);
    provider = join(tmp, 'acme-foo');
    // The real bin, as `npm init @secure-mcp-gateway/telemetry-provider` runs it.
    scaffoldOut = await sh(
      process.execPath,
      [join(packageRoot, 'dist/cli.js'), '@acme/telemetry-provider-foo', provider, '--core', `file:${coreTarball}`],
      tmp,
    );
    await sh('npm', ['install', ...NPM_FLAGS], provider);
  }, 240_000); // a cold npm cache downloads tsup, vitest and typescript

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('tells the user the name to put in the config', () => {
    expect(scaffoldOut).toContain('Created @acme/telemetry-provider-foo');
    expect(scaffoldOut).toContain('"provider": "@acme/foo"');
  });

  it('typechecks, builds and passes its own tests (core conformance suite + discovery by short name)', async () => {
    await sh('npm', ['run', 'typecheck'], provider);
    const out = await sh('npm', ['test'], provider);
    expect(out).toMatch(/Tests\s+\d+ passed/);
    expect(out).not.toMatch(/failed/);
  });

  it('once packed and installed elsewhere, loads by "@acme/foo" through core and conforms as built', async () => {
    await sh('npm', ['run', 'build'], provider);
    const tarball = await pack(provider, tmp);
    const app = join(tmp, 'app');
    await sh('mkdir', ['-p', app], tmp);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'app',
        private: true,
        type: 'module',
        dependencies: {
          '@acme/telemetry-provider-foo': `file:${tarball}`,
          '@secure-mcp-gateway/telemetry-core': `file:${coreTarball}`,
          '@opentelemetry/api': '1.9.1',
        },
      }),
    );
    await sh('npm', ['install', ...NPM_FLAGS], app);
    await writeFile(
      join(app, 'check.mjs'),
      `import { readFileSync, existsSync } from 'node:fs';
import { loadProvider } from '@secure-mcp-gateway/telemetry-core';
import { runProviderConformance } from '@secure-mcp-gateway/telemetry-core/testing';
const provider = await loadProvider('@acme/foo', { cwd: process.cwd() });
const results = await runProviderConformance(provider, {
  harness: {
    config: { file: 'logs/out.jsonl' },
    async readLogs(instance) {
      await instance.forceFlush();
      return existsSync(instance.file) ? readFileSync(instance.file, 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
    },
  },
});
// The way a gateway logs through it: by name, via core's getLogger, with spoofing context and fields.
const { initTelemetry, getLogger, shutdownTelemetry } = await import('@secure-mcp-gateway/telemetry-core');
const spoofFile = process.cwd() + '/logs/spoof.jsonl';
await initTelemetry({
  provider: '@acme/foo',
  cwd: process.cwd(),
  config: { plugins: { telemetry: { config: { file: spoofFile } } } },
  installShutdownHooks: false,
  strict: true,
});
getLogger('app').child({ level: 'DEBUG', logger: 'other' }).error('real', { event: 'spoof', trace_id: 'zzz', span_id: 'yyy', time: 'x', user: 'u1' });
await shutdownTelemetry();
const lines = readFileSync(spoofFile, 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l));
process.stdout.write(JSON.stringify({ name: provider.meta.name, results: results.map(({ name, ok, error }) => ({ name, ok, error: error && String(error) })), lines }));
`,
    );
    const report = JSON.parse(await sh(process.execPath, ['check.mjs'], app)) as {
      name: string;
      results: { name: string; ok: boolean; error?: string }[];
      lines: Record<string, unknown>[];
    };
    expect(report.name).toBe('@acme/foo');
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    // Context and fields cannot make a line lie about its level, logger, event, time or trace.
    const real = report.lines.filter((l) => l.user === 'u1');
    expect(real).toHaveLength(1);
    expect(real[0]).toMatchObject({ level: 'ERROR', logger: 'app', event: 'real' });
    expect(Date.parse(String(real[0]?.time))).not.toBeNaN();
    expect(real[0]).not.toHaveProperty('trace_id');
    expect(real[0]).not.toHaveProperty('span_id');
    // Core is a peer: the provider did not bring a copy of its own.
    const manifest = JSON.parse(await readFile(join(app, 'node_modules/@acme/telemetry-provider-foo/package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
  });
});
