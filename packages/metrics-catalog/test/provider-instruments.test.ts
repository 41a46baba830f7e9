/**
 * Providers depend on core only, so they cannot import this catalog; the instruments they register
 * themselves are checked here instead, by reading their source as text. Renaming or re-describing
 * one on either side fails this test until both agree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS, getMetricDefinition } from '../src/index.ts';
import type { InstrumentKind } from '../src/index.ts';
import { repoRoot } from '../scripts/repo-root.ts';

const root = repoRoot();
const OTEL_PROVIDER = 'packages/provider-opentelemetry/src/provider.ts';

const KIND_OF_CALL: Record<string, InstrumentKind | undefined> = {
  createCounter: 'counter',
  createUpDownCounter: 'upDownCounter',
  createHistogram: 'histogram',
  createObservableGauge: 'observableGauge',
  createObservableCounter: 'observableCounter',
};

interface FoundInstrument {
  file: string;
  call: string;
  name: string;
  /** The options object literal's text, up to the call's closing `})`. */
  options: string;
  /** The source after the call, up to the next instrument or 1500 characters. */
  after: string;
}

/** Every `meter.createX('enkrypt_…', { … })` call in one source text. */
function instrumentsIn(file: string, text: string): FoundInstrument[] {
  const re = /\.(create[A-Za-z]+)\(\s*(['"`])(enkrypt_[a-z0-9_]*)\2\s*(?:,\s*(\{[\s\S]*?\})\s*)?\)/g;
  return [...text.matchAll(re)].map((m) => {
    const end = m.index + m[0].length;
    return { file, call: m[1]!, name: m[3]!, options: m[4] ?? '', after: text.slice(end, end + 1500) };
  });
}

/** A string property of an object literal's text (`unit: '{item}'`), unquoted. */
function stringProperty(options: string, key: string): string | undefined {
  const m = new RegExp(`\\b${key}\\s*:\\s*(['"\`])((?:\\\\.|(?!\\1).)*)\\1`).exec(options);
  return m?.[2]!.replace(/\\(.)/g, '$1');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function providerInstruments(): FoundInstrument[] {
  const packages = join(root, 'packages');
  return readdirSync(packages)
    .filter((p) => p.startsWith('provider-'))
    .flatMap((p) => sourceFiles(join(packages, p, 'src')))
    .flatMap((file) => instrumentsIn(relative(root, file), readFileSync(file, 'utf8')));
}

describe('instruments providers register themselves', () => {
  it(`${OTEL_PROVIDER} registers enkrypt_telemetry_dropped_total exactly as the catalog defines it`, () => {
    const def = getMetricDefinition('telemetryDropped');
    const text = readFileSync(join(root, OTEL_PROVIDER), 'utf8');
    const found = instrumentsIn(OTEL_PROVIDER, text).filter((i) => i.name === def.name);
    expect(found, `${OTEL_PROVIDER} no longer creates ${def.name}; update the catalog row "telemetryDropped"`).toHaveLength(1);
    const [inst] = found as [FoundInstrument];
    expect(KIND_OF_CALL[inst.call], `${OTEL_PROVIDER}: ${inst.call}`).toBe(def.kind);
    expect(stringProperty(inst.options, 'unit'), `${OTEL_PROVIDER}: unit of ${def.name}`).toBe(def.unit);
    expect(stringProperty(inst.options, 'description'), `${OTEL_PROVIDER}: description of ${def.name}`).toBe(def.description);
    // The callback's observe(value, { signal, reason }): the attribute keys it reports.
    const observe = /\.observe\(\s*[^,]+,\s*\{([^}]*)\}\s*\)/.exec(inst.after);
    expect(observe, `${OTEL_PROVIDER}: no observe(value, { … }) after ${def.name}`).not.toBeNull();
    const keys = observe![1]!
      .split(',')
      .map((k) => k.trim().split(':')[0]!.trim())
      .filter(Boolean);
    expect(keys.sort()).toEqual([...def.attributes].sort());
  });

  it('every enkrypt_* instrument any provider registers is in the catalog with the same kind', () => {
    const found = providerInstruments();
    expect(found.length).toBeGreaterThanOrEqual(1);
    for (const inst of found) {
      const def = METRIC_DEFINITIONS.find((d) => d.name === inst.name);
      expect(def, `${inst.file}: ${inst.name} is not in METRIC_DEFINITIONS`).toBeDefined();
      expect(KIND_OF_CALL[inst.call], `${inst.file}: ${inst.name} (${inst.call})`).toBe(def!.kind);
    }
  });
});
