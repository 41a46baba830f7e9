import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

/** deploy/observability */
export const STACK_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function stackPath(...segments: string[]): string {
  return path.join(STACK_DIR, ...segments);
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a YAML file strictly (duplicate keys and syntax errors throw, naming the file). */
export function readYaml(relative: string): JsonObject {
  const file = stackPath(relative);
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (docs.length !== 1) throw new Error(`${relative}: expected one YAML document, found ${docs.length}`);
  const doc = docs[0]!;
  if (doc.errors.length > 0) throw new Error(`${relative}: ${doc.errors.map((e) => e.message).join('; ')}`);
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!isObject(value)) throw new Error(`${relative}: top level is not a mapping`);
  return value;
}

export function readJson(relative: string): Json {
  return JSON.parse(readFileSync(stackPath(relative), 'utf8')) as Json;
}

export { parseYaml };

/** Every file under a folder of the stack (relative paths), skipping node_modules and dot-folders. */
export function listFiles(relativeDir = '.', filter: (file: string) => boolean = () => true): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(stackPath(dir));
    } catch {
      return;
    }
    for (const entry of entries.sort()) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      const rel = path.join(dir, entry);
      if (statSync(stackPath(rel)).isDirectory()) walk(rel);
      else if (filter(rel)) out.push(path.normalize(rel));
    }
  };
  walk(relativeDir);
  return out;
}

/**
 * Docker Compose variable interpolation, enough for this stack: `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?message}`, `$$` (a literal `$`). Unset required variables throw,
 * as `docker compose` does.
 */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (match, name?: string, colon?: string, op?: string, arg?: string) => {
    if (match === '$$') return '$';
    const value = env[name!];
    const missing = value === undefined || (colon === ':' && value === '');
    if (!op) return value ?? '';
    if (op === '-') return missing ? arg! : value!;
    if (missing) throw new Error(`compose variable ${name} is required: ${arg}`);
    return value!;
  });
}

/** Deep merge the way the collector merges several --config files: maps merge, anything else is replaced. */
export function mergeConfig(base: JsonObject, overlay: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const existing = out[key];
    out[key] = isObject(existing) && isObject(value) ? mergeConfig(existing, value) : value;
  }
  return out;
}

/** A value at a dotted path, or undefined. */
export function at(value: unknown, ...keys: string[]): unknown {
  let current: unknown = value;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}
