import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the nearest folder above this package holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error('metrics-catalog: no pnpm-workspace.yaml above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}
