import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPackage, Package } from '@arethetypeswrong/core';
import { listFiles } from './workspace';

export interface TypeProblem {
  readonly kind: string;
  readonly entrypoint?: string;
  readonly resolutionKind?: string;
}

/**
 * @arethetypeswrong on an unpacked tarball. Same analysis as `attw <tarball>`, but the files
 * are read from disk: the CLI's own gunzip step breaks with fflate 0.8.3 (it keeps only the
 * last, empty, output chunk and reports "Cannot read properties of undefined (reading 'filename')").
 *
 * node10 (`moduleResolution: node`) cannot see subpath exports (`./testing`) at all, so those
 * are exempt there; the root entry must resolve under node10 too, and every entry under
 * node16 (CJS and ESM) and bundler resolution.
 */
export async function arethetypeswrong(unpackedDir: string, name: string, version: string): Promise<TypeProblem[]> {
  const files: Record<string, Uint8Array> = {};
  for (const rel of await listFiles(unpackedDir)) {
    files[`/node_modules/${name}/${rel}`] = new Uint8Array(await readFile(join(unpackedDir, rel)));
  }
  const analysis = await checkPackage(new Package(files, name, version));
  if (!('problems' in analysis)) return [{ kind: 'NoTypes' }];
  return (analysis.problems as TypeProblem[]).filter((p) => !(p.resolutionKind === 'node10' && p.entrypoint !== '.'));
}
