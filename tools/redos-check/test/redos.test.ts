/**
 * The ReDoS check CI runs: every regular expression in the workspace's src/ files, found with the
 * TypeScript parser, is analysed by recheck (its pure-JS backend: no Java, no native binary) and
 * must be judged safe. The only exceptions are on ALLOWED below, each applied to text the
 * gateway's operator writes (config, code), never to what a client or an upstream sends.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { regexesIn, workspaceSourceFiles, type FoundRegex } from '../src/find-regexes';

process.env.RECHECK_BACKEND = 'pure';
const { check } = await import('recheck');

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `file` + pattern source → why it may stay as it is. Keep it short. */
const ALLOWED = new Map<string, string>([
  ['packages/provider-opentelemetry/src/endpoint.ts \\/+$', 'trims the configured OTLP endpoint path'],
  ['packages/core/src/config/load.ts \\s*\\(line \\d+ column \\d+\\)', "rewords JSON.parse's message about the config file"],
  ['packages/core/src/noop.ts -.*$', 'strips a prerelease tag from CORE_VERSION'],
  ['packages/core/src/testing/in-memory.ts -.*$', 'strips a prerelease tag from CORE_VERSION'],
]);

const key = (r: FoundRegex) => `${r.file} ${r.source ?? r.text}`;

describe('ReDoS check: regular expressions in src/', () => {
  const found = workspaceSourceFiles(REPO).flatMap((file) => regexesIn(file, REPO));

  it('finds the regexes of the workspace (and the PII patterns among them)', () => {
    expect(found.length).toBeGreaterThan(20);
    expect(found.some((r) => r.file.endsWith(path.join('demo-gateway', 'src', 'pii.ts')) && r.source?.includes('@'))).toBe(true);
  });

  it('judges every one safe (linear or better), or finds it on the justified allow-list', async () => {
    const problems: string[] = [];
    const used = new Set<string>();
    const verdicts = new Map<string, Promise<Awaited<ReturnType<typeof check>>>>();
    for (const r of found) {
      const id = key(r);
      if (ALLOWED.has(id)) {
        used.add(id);
        continue;
      }
      if (r.source === undefined) {
        problems.push(`${r.file}:${r.line} ${r.text}: built from a non-literal pattern; the checker cannot see it`);
        continue;
      }
      // The same pattern in several files is checked once.
      const id2 = `/${r.source}/${r.flags}`;
      if (!verdicts.has(id2)) verdicts.set(id2, check(r.source, r.flags, { randomSeed: 42, timeout: 60_000 }));
      const result = await verdicts.get(id2)!;
      if (result.status !== 'safe') {
        const why = result.status === 'vulnerable' ? `${result.complexity.summary}, e.g. ${JSON.stringify(result.attack.pattern)}` : `${result.status}: ${JSON.stringify(result.error)}`;
        problems.push(`${r.file}:${r.line} /${r.source}/${r.flags}: ${why}`);
      }
    }
    expect(problems).toEqual([]);
    // An allow-list entry whose regex is gone (or fixed) is removed too.
    expect([...ALLOWED.keys()].filter((k) => !used.has(k))).toEqual([]);
  });
});
