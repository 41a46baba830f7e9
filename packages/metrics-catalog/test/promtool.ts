/** Runs the Debian `prometheus` package's promtool (see .ci/apt-packages.txt) for the tests. */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export function promtool(args: string[], cwd: string): string {
  const bin = existsSync('/usr/bin/promtool') ? '/usr/bin/promtool' : 'promtool';
  try {
    return execFileSync(bin, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: install Debian package `prometheus` (.ci/apt-packages.txt)', { cause: err });
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

/** Writes `tests` as a promtool unit-test file (no rule files) in `dir` and runs it; returns promtool's output. */
export function runExprTests(dir: string, name: string, tests: unknown[]): string {
  const file = join(dir, `${name}.test.yml`);
  writeFileSync(file, stringify({ rule_files: [], evaluation_interval: '1m', tests }, { lineWidth: 0 }));
  return promtool(['test', 'rules', file], dir);
}
