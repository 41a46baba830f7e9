import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const BIN = join(ROOT, 'node_modules', '.bin');

export interface WorkspacePackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: Record<string, any>;
}

/** The packages we publish: every non-private package under `<root>/packages/`. */
export function publishedPackages(root: string = ROOT): WorkspacePackage[] {
  const base = join(root, 'packages');
  const out: WorkspacePackage[] = [];
  for (const entry of readdirSync(base).sort()) {
    const file = join(base, entry, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
    if (manifest.private) continue;
    out.push({ name: manifest.name, version: manifest.version, dir: join(base, entry), manifest });
  }
  return out;
}

export async function sh(
  cmd: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(cmd, args, {
      cwd,
      maxBuffer: 64 << 20,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_update_notifier: 'false', ...env },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: error });
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `publish-check-${prefix}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** `pnpm pack` (which rewrites `workspace:` ranges) into `dest`; returns the tarball's path. */
export async function pnpmPack(dir: string, dest: string): Promise<string> {
  const { stdout } = await sh('pnpm', ['pack', '--pack-destination', dest], dir);
  const last = stdout.trim().split('\n').pop()?.trim() ?? '';
  const tarball = resolve(dest, last);
  if (!last.endsWith('.tgz') || !existsSync(tarball)) throw new Error(`pnpm pack in ${dir} printed no tarball:\n${stdout}`);
  return tarball;
}

/** Unpacks a tarball into `dest` (npm tarballs hold one `package/` folder); returns that folder. */
export async function unpack(tarball: string, dest: string): Promise<string> {
  await sh('tar', ['xzf', tarball, '-C', dest], dest);
  return join(dest, 'package');
}

export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

export async function readJson(path: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, any>;
}
