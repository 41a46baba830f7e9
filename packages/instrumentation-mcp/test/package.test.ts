// What the published package promises about itself: one runtime dependency (the OTel API, as a
// peer), the MCP SDKs as optional peers, and a version constant in step with package.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INSTRUMENTATION_VERSION } from '../src/index';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, any>;
const dist = (file: string) => readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8');

describe('package', () => {
  it('reports its own version as the instrumentation scope version', () => {
    expect(INSTRUMENTATION_VERSION).toBe(manifest.version);
  });

  it('has no dependencies: the OTel API and both MCP SDK majors are peers, the SDKs optional', () => {
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['@modelcontextprotocol/client', '@modelcontextprotocol/sdk', '@modelcontextprotocol/server', '@opentelemetry/api']);
    for (const sdk of ['@modelcontextprotocol/client', '@modelcontextprotocol/sdk', '@modelcontextprotocol/server']) {
      expect(manifest.peerDependenciesMeta[sdk], sdk).toEqual({ optional: true });
    }
  });

  it('imports nothing at run time but @opentelemetry/api (built output; `pnpm test` builds first)', () => {
    for (const file of ['index.js', 'index.cjs', 'semconv.js', 'semconv.cjs']) {
      const text = dist(file);
      const specifiers = [...text.matchAll(/(?:from\s+|require\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
      expect(new Set(specifiers), file).toEqual(new Set(file.startsWith('index') ? ['@opentelemetry/api'] : []));
    }
    for (const file of ['index.d.ts', 'semconv.d.ts']) {
      // The types name no MCP SDK either: they type-check where no SDK is installed.
      expect(dist(file), file).not.toMatch(/(from\s+|import\()["']@modelcontextprotocol/);
    }
  });
});
