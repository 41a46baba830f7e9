import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pnpmPack, publishedPackages, sh } from './workspace';

export const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/**
 * An empty npm project with exactly `names` installed from their packed tarballs, plus the
 * OTel API (the peer the application provides) and `extra` registry packages.
 */
export async function installTarballs(
  tmp: string,
  names: readonly string[],
  extra: Record<string, string> = {},
): Promise<{ app: string; tarballs: Map<string, string> }> {
  const all = publishedPackages();
  const tarballs = new Map<string, string>();
  const packs = join(tmp, 'tarballs');
  await mkdir(packs, { recursive: true });
  for (const name of names) {
    const pkg = all.find((p) => p.name === name);
    if (!pkg) throw new Error(`${name} is not a published package of this repository`);
    tarballs.set(name, await pnpmPack(pkg.dir, packs));
  }
  const app = join(tmp, 'app');
  await mkdir(app, { recursive: true });
  const dependencies: Record<string, string> = { '@opentelemetry/api': '1.9.1', ...extra };
  for (const [name, tarball] of tarballs) dependencies[name] = `file:${tarball}`;
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, dependencies }, null, 2));
  await sh('npm', NPM_INSTALL, app);
  return { app, tarballs };
}

export const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2023'],
    types: ['node'],
    strict: true,
    noEmit: true,
    // d.ts files are checked too: a broken declaration must fail here, not in a user's editor.
    skipLibCheck: false,
  },
};
