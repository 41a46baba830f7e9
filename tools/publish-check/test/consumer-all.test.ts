import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTarballs, TSCONFIG } from '../src/consumer';
import { BIN, publishedPackages, removeDir, sh, tempDir } from '../src/workspace';

const names = publishedPackages().map((p) => p.name);

// Every published tarball in one empty project: each loads the same from ESM and CJS and typechecks.
describe('every published package, installed from its tarball', () => {
  let tmp: string;
  let app: string;

  beforeAll(async () => {
    tmp = await tempDir('all');
    ({ app } = await installTarballs(tmp, names, { '@types/node': '20.19.8' }));
  });
  afterAll(() => removeDir(tmp));

  it('offers the same named exports to import and require()', async () => {
    await writeFile(
      join(app, 'surface.mjs'),
      `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const names = ${JSON.stringify(names)};
const out = {};
for (const name of names) {
  const esm = Object.keys(await import(name)).sort();
  const cjs = Object.keys(require(name)).filter((k) => k !== '__esModule').sort();
  out[name] = { esm, cjs };
}
process.stdout.write(JSON.stringify(out));
`,
    );
    const surfaces = JSON.parse((await sh(process.execPath, ['surface.mjs'], app)).stdout) as Record<string, { esm: string[]; cjs: string[] }>;
    for (const name of names) {
      expect(surfaces[name]?.esm.length, `${name} exports something`).toBeGreaterThan(0);
      expect(surfaces[name]?.cjs, name).toEqual(surfaces[name]?.esm);
    }
  });

  it('typechecks every package from ESM and CJS TypeScript', async () => {
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, include: ['*.mts', '*.cts'] }));
    const esm = names.map((n, i) => `import * as m${i} from '${n}';\nvoid m${i};`).join('\n');
    const cjs = names.map((n, i) => `import c${i} = require('${n}');\nvoid c${i};`).join('\n');
    await writeFile(join(app, 'all.mts'), `${esm}\nexport {};\n`);
    await writeFile(join(app, 'all.cts'), `${cjs}\nexport {};\n`);
    await sh(join(BIN, 'tsc'), ['-p', 'tsconfig.json'], app);
  });

  it('runs the scaffolder from its installed bin, as `npm init @secure-mcp-gateway/telemetry-provider` would', async () => {
    const { stdout } = await sh(join(app, 'node_modules/.bin/create-telemetry-provider'), ['@acme/bar', 'bar'], app);
    expect(stdout).toContain('Created @acme/telemetry-provider-bar');
    expect(existsSync(join(app, 'bar/src/index.ts'))).toBe(true);
  });
});
