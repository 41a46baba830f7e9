import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORE_VERSION, loadProvider, normalizeProviderName, ProviderLoadError } from '../src/index';
import { installPackage, makeProject, providerSource } from './helpers';

async function loadError(promise: Promise<unknown>): Promise<ProviderLoadError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderLoadError);
    return error as ProviderLoadError;
  }
  throw new Error('expected a ProviderLoadError');
}

describe('normalizeProviderName', () => {
  it.each([
    ['opentelemetry', '@secure-mcp-gateway/telemetry-provider-opentelemetry'],
    ['stdout', '@secure-mcp-gateway/telemetry-provider-stdout'],
    ['@acme/foo', '@acme/telemetry-provider-foo'],
    ['@acme', '@acme/telemetry-provider'],
    ['@acme/telemetry-provider-x', '@acme/telemetry-provider-x'],
    ['@acme/telemetry-provider', '@acme/telemetry-provider'],
    ['telemetry-provider-jsonl', 'telemetry-provider-jsonl'],
    ['  stdout ', '@secure-mcp-gateway/telemetry-provider-stdout'],
    ['./providers/x.js', './providers/x.js'],
    ['../x', '../x'],
    ['/abs/x.mjs', '/abs/x.mjs'],
    ['file:///abs/x.mjs', 'file:///abs/x.mjs'],
  ])('%s -> %s', (spec, expected) => {
    expect(normalizeProviderName(spec)).toBe(expected);
  });
});

describe('loadProvider', () => {
  it('loads an ESM-only provider by short name from a package installed in a temporary folder', async () => {
    const root = makeProject();
    installPackage(root, '@acme/telemetry-provider-esm', { type: 'module', exports: { '.': { import: './dist/index.js' } } }, {
      'dist/index.js': providerSource('esm', { name: 'esm-only' }),
    });
    const provider = await loadProvider('@acme/esm', { configDir: root, cwd: '/' });
    expect(provider.meta.name).toBe('esm-only');
  });

  it('loads a CJS-only provider (module.exports = provider) and unwraps transpiled default.default', async () => {
    const root = makeProject();
    installPackage(root, 'telemetry-provider-cjs', { main: 'index.js' }, { 'index.js': providerSource('cjs', { name: 'cjs-only' }) });
    installPackage(root, '@acme/telemetry-provider-babel', { exports: { require: './lib/index.cjs' } }, {
      'lib/index.cjs': providerSource('cjs', { name: 'babel' }).replace('module.exports = ', 'Object.defineProperty(exports, "__esModule", { value: true });\nexports.default = '),
    });
    expect((await loadProvider('telemetry-provider-cjs', { cwd: root })).meta.name).toBe('cjs-only');
    expect((await loadProvider('@acme/babel', { cwd: root })).meta.name).toBe('babel');
  });

  it('looks in the config folder before the working directory', async () => {
    const configDir = makeProject('core-cfg-');
    const cwd = makeProject('core-cwd-');
    installPackage(configDir, '@secure-mcp-gateway/telemetry-provider-twice', { type: 'module', main: 'index.js' }, { 'index.js': providerSource('esm', { name: 'from-config-dir' }) });
    installPackage(cwd, '@secure-mcp-gateway/telemetry-provider-twice', { type: 'module', main: 'index.js' }, { 'index.js': providerSource('esm', { name: 'from-cwd' }) });
    installPackage(cwd, '@secure-mcp-gateway/telemetry-provider-only-cwd', { type: 'module', main: 'index.js' }, { 'index.js': providerSource('esm', { name: 'only-cwd' }) });
    expect((await loadProvider('twice', { configDir, cwd })).meta.name).toBe('from-config-dir');
    expect((await loadProvider('only-cwd', { configDir, cwd })).meta.name).toBe('only-cwd');
  });

  it('loads paths relative to the config folder, absolute paths and file: URLs', async () => {
    const root = makeProject();
    mkdirSync(join(root, 'providers'));
    const file = join(root, 'providers', 'local.mjs');
    writeFileSync(file, providerSource('esm', { name: 'local' }));
    expect((await loadProvider('./providers/local.mjs', { configDir: root, cwd: '/' })).meta.name).toBe('local');
    expect((await loadProvider(file)).meta.name).toBe('local');
    expect((await loadProvider(pathToFileURL(file).href)).meta.name).toBe('local');
  });

  it('names what it tried and how to install an unknown provider', async () => {
    const root = makeProject();
    const error = await loadError(loadProvider('nosuch', { configDir: join(root, 'cfg'), cwd: root }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.tried).toEqual([
      `@secure-mcp-gateway/telemetry-provider-nosuch from ${join(root, 'cfg')}`,
      `@secure-mcp-gateway/telemetry-provider-nosuch from ${root}`,
    ]);
    expect(error.installCommand).toBe('pnpm add @secure-mcp-gateway/telemetry-provider-nosuch');
    expect(error.message).toBe(
      `Telemetry provider "nosuch" is not installed: tried @secure-mcp-gateway/telemetry-provider-nosuch from ${join(root, 'cfg')}; @secure-mcp-gateway/telemetry-provider-nosuch from ${root}. Install it with \`pnpm add @secure-mcp-gateway/telemetry-provider-nosuch\` (or \`npm install @secure-mcp-gateway/telemetry-provider-nosuch\`), or set plugins.telemetry.provider to an installed provider.`,
    );
  });

  it('reports a missing path with the places tried', async () => {
    const root = makeProject();
    const error = await loadError(loadProvider('./missing.js', { configDir: join(root, 'a'), cwd: root }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.tried).toEqual([join(root, 'a', 'missing.js'), join(root, 'missing.js')]);
  });

  it('rejects a package whose default export is not a provider', async () => {
    const root = makeProject();
    installPackage(root, '@secure-mcp-gateway/telemetry-provider-bogus', { type: 'module', main: 'index.js' }, { 'index.js': 'export default { create() {} };\n' });
    const error = await loadError(loadProvider('bogus', { cwd: root }));
    expect(error.code).toBe('NOT_A_PROVIDER');
    expect(error.message).toMatch(/^Telemetry provider "bogus" \(.*index\.js\) does not export a provider: its default export must be made with defineProvider\(\) .* \(got an object with keys create\)\.$/);
  });

  it('rejects a provider whose meta.core range does not accept this core', async () => {
    const root = makeProject();
    installPackage(root, '@secure-mcp-gateway/telemetry-provider-old', { type: 'module', main: 'index.js' }, { 'index.js': providerSource('esm', { name: 'old', core: '^9.0.0' }) });
    const error = await loadError(loadProvider('old', { cwd: root }));
    expect(error.code).toBe('INCOMPATIBLE_CORE');
    expect(error.message).toBe(
      `Telemetry provider "old" 1.0.0 (@secure-mcp-gateway/telemetry-provider-old) needs @secure-mcp-gateway/telemetry-core ^9.0.0, but this is ${CORE_VERSION}. Install a provider version built for core ${CORE_VERSION}, or a core version in ^9.0.0.`,
    );
  });

  it('reports a provider that throws while loading', async () => {
    const root = makeProject();
    installPackage(root, '@secure-mcp-gateway/telemetry-provider-broken', { type: 'module', main: 'index.js' }, { 'index.js': 'throw new Error("boom at import");\n' });
    const error = await loadError(loadProvider('broken', { cwd: root }));
    expect(error.code).toBe('IMPORT_FAILED');
    expect(error.message).toMatch(/failed to load: boom at import\.$/);
  });
});
