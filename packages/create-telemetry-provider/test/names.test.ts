import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeProviderName } from '@secure-mcp-gateway/telemetry-core';
import { describe, expect, it } from 'vitest';
import { CORE_RANGE, providerNames, scaffoldProvider } from '../src/index';

describe('providerNames', () => {
  it.each([
    ['foo', '@secure-mcp-gateway/telemetry-provider-foo', 'foo'],
    ['@acme/foo', '@acme/telemetry-provider-foo', '@acme/foo'],
    ['@acme/telemetry-provider-foo', '@acme/telemetry-provider-foo', '@acme/foo'],
    ['@secure-mcp-gateway/telemetry-provider-bar', '@secure-mcp-gateway/telemetry-provider-bar', 'bar'],
    ['telemetry-provider-baz', 'telemetry-provider-baz', 'telemetry-provider-baz'],
  ])('%s -> %s, named "%s" in the config', (input, packageName, shortName) => {
    expect(providerNames(input)).toMatchObject({ packageName, shortName });
    // The short name must lead core's discovery back to the package.
    expect(normalizeProviderName(shortName)).toBe(packageName);
  });

  it.each(['', 'Foo', '@acme', '@acme/a/b', 'foo bar', '@/foo'])('rejects %j with a message that says what to use', (input) => {
    expect(() => providerNames(input)).toThrow(/Invalid provider name .*Use a short name like "foo"/);
  });
});

describe('scaffoldProvider', () => {
  it('declares the core range of the core in this repository', () => {
    const core = JSON.parse(readFileSync(join(import.meta.dirname, '../../core/package.json'), 'utf8')) as { version: string };
    const [major, minor] = core.version.split('.');
    expect(CORE_RANGE).toBe(major === '0' ? `^0.${minor}.0` : `^${major}.0.0`);
  });

  it('renders every template with no placeholder left and a valid package.json', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ctp-'));
    const result = await scaffoldProvider({ name: '@acme/my-sink', cwd });
    expect(result.directory).toBe(join(cwd, 'telemetry-provider-my-sink'));
    expect(result.files).toEqual(
      expect.arrayContaining(['package.json', 'src/index.ts', 'test/conformance.test.ts', 'README.md', 'LICENSE', 'tsup.config.ts', '.gitignore']),
    );
    for (const file of result.files) {
      expect(await readFile(join(result.directory, file), 'utf8'), file).not.toMatch(/\{\{\w+\}\}/);
    }
    const pkg = JSON.parse(await readFile(join(result.directory, 'package.json'), 'utf8')) as Record<string, any>;
    expect(pkg.name).toBe('@acme/telemetry-provider-my-sink');
    expect(pkg.peerDependencies).toEqual({ '@opentelemetry/api': '^1.9.0', '@secure-mcp-gateway/telemetry-core': CORE_RANGE });
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.exports['.'].require.types).toBe('./dist/index.d.cts');
    expect(await readFile(join(result.directory, 'src/index.ts'), 'utf8')).toContain("meta: { name: '@acme/my-sink', version, core: peerDependencies");
  });

  it('refuses a folder that is not empty unless forced', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ctp-'));
    await writeFile(join(cwd, 'keep.txt'), 'mine');
    await expect(scaffoldProvider({ name: 'foo', directory: '.', cwd })).rejects.toThrow(/exists and is not empty.*--force/);
    await scaffoldProvider({ name: 'foo', directory: '.', cwd, force: true });
    expect(await readdir(cwd)).toEqual(expect.arrayContaining(['keep.txt', 'package.json']));
  });
});
