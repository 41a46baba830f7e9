import { cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, publishedPackages, removeDir, ROOT, sh, tempDir } from '../src/workspace';

// Never in the real checkout: `changeset version` consumes the changesets it applies.
const SKIP = new Set(['node_modules', '.git', '.turbo', 'coverage', '.vitest-tmp', '.runs']);

describe('the changesets release flow, on a copy of the repository', () => {
  let tmp: string;
  let copy: string;
  let pending: string[];

  beforeAll(async () => {
    tmp = await tempDir('release');
    copy = join(tmp, 'repo');
    await cp(ROOT, copy, {
      recursive: true,
      filter: (src) => !SKIP.has(src.slice(ROOT.length + 1).split('/').pop() ?? '') && !src.includes('/node_modules/'),
    });
    // pnpm publish resolves `workspace:` ranges through installed links; the store makes this a few seconds.
    await sh('pnpm', ['install', '--offline', '--frozen-lockfile', '--ignore-scripts'], copy);
    pending = (await readdir(join(copy, '.changeset'))).filter((f) => f.endsWith('.md') && f !== 'README.md');
  });
  afterAll(() => removeDir(tmp));

  it('has a changeset for every published package', async () => {
    const named = new Set<string>();
    for (const file of pending) {
      const text = await readFile(join(copy, '.changeset', file), 'utf8');
      for (const match of text.matchAll(/^"([^"]+)":\s*(major|minor|patch)\s*$/gm)) named.add(match[1]!);
    }
    expect([...named].sort()).toEqual(expect.arrayContaining(publishedPackages().map((p) => p.name)));
  });

  it('`changeset version` bumps versions, writes changelogs and consumes the changesets', async () => {
    const before = new Map(publishedPackages().map((p) => [p.name, p.version]));
    await sh(join(BIN, 'changeset'), ['version'], copy, { CI: 'true' });
    expect((await readdir(join(copy, '.changeset'))).filter((f) => f.endsWith('.md') && f !== 'README.md')).toEqual([]);
    for (const pkg of publishedPackages()) {
      const dir = join(copy, pkg.dir.slice(ROOT.length + 1));
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
      expect(manifest.version, pkg.name).not.toBe(before.get(pkg.name));
      const changelog = await readFile(join(dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog).toContain(`## ${manifest.version}`);
    }
  });

  it('`pnpm -r publish --dry-run` packs every published package and nothing private', async () => {
    const { stdout, stderr } = await sh('pnpm', ['-r', 'publish', '--dry-run', '--no-git-checks', '--report-summary'], copy);
    const out = `${stdout}\n${stderr}`;
    for (const pkg of publishedPackages()) expect(out, pkg.name).toContain(pkg.name);
    expect(out).not.toContain('@secure-mcp-gateway/demo-gateway@');
    expect(out).not.toContain('@secure-mcp-gateway/publish-check@');
    expect(out).not.toContain('telemetry-provider-jsonl@'); // the example is private: a template, not ours to publish
  });
});
