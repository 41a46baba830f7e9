/** Runs the Debian `prometheus` package's promtool (see .ci/apt-packages.txt) for the tests. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function promtool(args: string[], cwd: string): string {
  const bin = existsSync('/usr/bin/promtool') ? '/usr/bin/promtool' : 'promtool';
  try {
    return execFileSync(bin, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: install Debian package `prometheus` (.ci/apt-packages.txt)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
