import { cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, publishedPackages, removeDir, ROOT, sh, tempDir } from '../src/workspace';

// Never in the real checkout: `changeset version` consumes the changesets it applies.
const SKIP = new Set(['node_modules', '.git', '.turbo', 'coverage', '.vitest-tmp', '.runs']);

type Bump = 'major' | 'minor' | 'patch';
const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

function increment(version: string, bump: Bump): string {
  const [major = 0, minor = 0, patch = 0] = version.split('-')[0]!.split('.').map(Number);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

describe('the changesets release flow, on a copy of the repository', () => {
  let tmp: string;
  let copy: string;
  let pending: string[];
  const requested = new Map<string, Bump>();

  beforeAll(async () => {
    tmp = await tempDir('release');
    copy = join(tmp, 'repo');
    await cp(ROOT, copy, {
      recursive: true,
      filter: (src) => !SKIP.has(src.slice(ROOT.length + 1).split('/').pop() ?? '') && !src.includes('/node_modules/'),
    });
    // pnpm publish resolves `workspace:` ranges through installed links; the store makes this a few seconds.
    // (CI's own install already enforces a frozen lockfile; here a lockfile mid-update must not matter.)
    await sh('pnpm', ['install', '--offline', '--frozen-lockfile', '--ignore-scripts'], copy).catch(() =>
      sh('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile', '--ignore-scripts'], copy),
    );
    pending = (await readdir(join(copy, '.changeset'))).filter((f) => f.endsWith('.md') && f !== 'README.md');
    for (const file of pending) {
      const text = await readFile(join(copy, '.changeset', file), 'utf8');
      for (const match of text.matchAll(/^"([^"]+)":\s*(major|minor|patch)\s*$/gm)) {
        const bump = match[2] as Bump;
        const known = requested.get(match[1]!);
        if (!known || RANK[bump] > RANK[known]) requested.set(match[1]!, bump);
      }
    }
  });
  afterAll(() => removeDir(tmp));

  it('has a changeset for every published package', () => {
    expect([...requested.keys()].sort()).toEqual(expect.arrayContaining(publishedPackages().map((p) => p.name)));
  });

  it('`changeset version` bumps versions, writes changelogs and consumes the changesets', async () => {
    const before = new Map(publishedPackages(copy).map((p) => [p.name, p.version]));
    await sh(join(BIN, 'changeset'), ['version'], copy, { CI: 'true' });
    expect((await readdir(join(copy, '.changeset'))).filter((f) => f.endsWith('.md') && f !== 'README.md')).toEqual([]);
    for (const pkg of publishedPackages(copy)) {
      const dir = pkg.dir;
      const manifest = pkg.manifest as { version: string };
      // Exactly the bump its changesets asked for: a peer range that core's bump leaves behind
      // makes changesets force a major (0.x -> 1.0.0) on the provider, which nobody asked for.
      const bump = requested.get(pkg.name) ?? 'patch';
      expect(manifest.version, `${pkg.name}: ${before.get(pkg.name)} + ${bump}`).toBe(increment(before.get(pkg.name)!, bump));
      const changelog = await readFile(join(dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog).toContain(`## ${manifest.version}`);
    }
  });

  it('providers state meta.core from their peer range, which `changeset version` keeps current', async () => {
    // A hand-written `core: '^0.1.0'` goes stale when a release moves core to 0.2.0, and core then
    // refuses the freshly released provider. Reading the range from package.json cannot drift.
    const stale: string[] = [];
    for (const pkg of publishedPackages()) {
      if (!pkg.manifest.peerDependencies?.['@secure-mcp-gateway/telemetry-core']) continue;
      const files = await readdir(join(pkg.dir, 'src'), { recursive: true });
      for (const file of files.filter((f) => /\.ts$/.test(f) && !/\.test\.ts$/.test(f))) {
        const text = await readFile(join(pkg.dir, 'src', file), 'utf8');
        if (/\bcore:\s*['"`][\^~]?\d/.test(text)) stale.push(`${pkg.name}: src/${file}`);
      }
    }
    expect(stale).toEqual([]);
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
