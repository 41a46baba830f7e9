import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arethetypeswrong } from '../src/attw';
import { BIN, listFiles, pnpmPack, publishedPackages, readJson, removeDir, ROOT, sh, tempDir, unpack } from '../src/workspace';

const packages = publishedPackages();

describe('published packages pack cleanly', () => {
  let tmp: string;
  const packed = new Map<string, { tarball: string; dir: string; files: string[] }>();

  beforeAll(async () => {
    tmp = await tempDir('lint');
    for (const pkg of packages) {
      const tarball = await pnpmPack(pkg.dir, tmp);
      const dest = join(tmp, pkg.name.replace('/', '__'));
      await mkdir(dest);
      const dir = await unpack(tarball, dest);
      packed.set(pkg.name, { tarball, dir, files: await listFiles(dir) });
    }
  });
  afterAll(() => removeDir(tmp));

  it('covers every package under packages/', () => {
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        '@secure-mcp-gateway/telemetry-core',
        '@secure-mcp-gateway/metrics-catalog',
        '@secure-mcp-gateway/instrumentation-mcp',
        '@secure-mcp-gateway/telemetry-provider-opentelemetry',
        '@secure-mcp-gateway/telemetry-provider-stdout',
        '@secure-mcp-gateway/create-telemetry-provider',
      ]),
    );
  });

  describe.each(packages.map((p) => [p.name, p] as const))('%s', (name, pkg) => {
    it('has README, LICENSE, repository, files and an exports map for import, require and types', async () => {
      const { dir, files } = packed.get(name)!;
      const manifest = await readJson(join(dir, 'package.json'));
      expect(files, 'README.md and LICENSE are in the tarball').toEqual(expect.arrayContaining(['README.md', 'LICENSE']));
      expect(manifest.license).toBe('MIT');
      expect(manifest.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\//), directory: expect.any(String) });
      expect(Array.isArray(manifest.files)).toBe(true);
      const root = manifest.exports?.['.'];
      expect(root, 'exports["."]').toMatchObject({
        import: { types: expect.stringMatching(/\.d\.ts$/), default: expect.stringMatching(/\.js$/) },
        require: { types: expect.stringMatching(/\.d\.cts$/), default: expect.stringMatching(/\.cjs$/) },
      });
      for (const target of [root.import.types, root.import.default, root.require.types, root.require.default]) {
        expect(files, `exports target ${target}`).toContain(target.replace(/^\.\//, ''));
      }
      // pnpm pack must have replaced every workspace: range with a real one.
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      // Test sources, configs and source maps' sources never ship by accident.
      expect(files.filter((f) => /^(test|src)\/|^(vitest|tsup)\.config/.test(f))).toEqual([]);
      // One shared copy: the OTel API (and core, for providers) are peers, never regular dependencies.
      expect(Object.keys(manifest.dependencies ?? {})).not.toContain('@opentelemetry/api');
      if (name !== '@secure-mcp-gateway/telemetry-core') {
        expect(Object.keys(manifest.dependencies ?? {})).not.toContain('@secure-mcp-gateway/telemetry-core');
      }
      expect(pkg.version).toBe(manifest.version);
    });

    it('is clean under publint --strict', async () => {
      const { tarball } = packed.get(name)!;
      const { stdout } = await sh(join(BIN, 'publint'), ['run', tarball, '--strict'], ROOT);
      expect(stdout).toContain('All good!');
    });

    it('is clean under @arethetypeswrong (node16 ESM and CJS, bundler; node10 for the root entry)', async () => {
      const { dir } = packed.get(name)!;
      expect(await arethetypeswrong(dir, name, pkg.version)).toEqual([]);
    });
  });

  it('ships the scaffolder bin and its templates', () => {
    const scaffolder = packed.get('@secure-mcp-gateway/create-telemetry-provider');
    expect(scaffolder?.files).toEqual(expect.arrayContaining(['dist/cli.js', 'templates/package.json.tmpl', 'templates/src/index.ts.tmpl']));
    expect(existsSync(join(scaffolder!.dir, 'dist/cli.js'))).toBe(true);
  });
});
