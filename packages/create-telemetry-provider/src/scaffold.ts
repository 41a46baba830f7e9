import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { providerNames, type ProviderNames } from './names';

/** The core versions generated providers declare they work with (kept in step with core by a test). */
export const CORE_RANGE = '^0.1.0';

export interface ScaffoldOptions {
  /** `foo`, `@acme/foo` or `@acme/telemetry-provider-foo`. */
  readonly name: string;
  /** Target folder; default `./telemetry-provider-<base>` under `cwd`. */
  readonly directory?: string;
  readonly cwd?: string;
  /** The devDependency spec for core, e.g. `file:../core.tgz` (default: `CORE_RANGE` from npm). */
  readonly coreSpec?: string;
  readonly description?: string;
  /** Write into a folder that is not empty. */
  readonly force?: boolean;
}

export interface ScaffoldResult extends ProviderNames {
  /** Absolute path of the new package. */
  readonly directory: string;
  /** Paths written, relative to `directory`. */
  readonly files: readonly string[];
}

function templatesDir(): string {
  // dist/index.js -> ../templates (tsup shims import.meta.url in the CJS build).
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'templates');
}

async function listTemplates(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listTemplates(dir, rel)));
    else if (entry.name.endsWith('.tmpl')) out.push(rel);
  }
  return out.sort();
}

// Templates are named `*.tmpl` so that neither the repository's tools nor npm treat them as live files.
function targetName(template: string): string {
  const name = template.slice(0, -'.tmpl'.length);
  return name === 'gitignore' ? '.gitignore' : name;
}

function typeName(base: string): string {
  return base
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')
    .replace(/^(\d)/, '_$1');
}

/** Writes a new provider package that builds, passes core's conformance suite and loads by its short name. */
export async function scaffoldProvider(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const names = providerNames(options.name);
  const cwd = options.cwd ?? process.cwd();
  const directory = resolve(cwd, options.directory ?? `telemetry-provider-${names.base}`);
  if (existsSync(directory) && !options.force && (await readdir(directory)).length > 0) {
    throw new Error(`${directory} exists and is not empty; choose another folder or pass --force.`);
  }
  const values: Record<string, string> = {
    packageName: names.packageName,
    shortName: names.shortName,
    shortBase: names.base,
    typeName: typeName(names.base) || 'Provider',
    coreRange: CORE_RANGE,
    coreSpec: options.coreSpec ?? CORE_RANGE,
    description: (options.description ?? `A Secure MCP Gateway telemetry provider (${names.shortName}).`).replace(/["\\]/g, ''),
    year: String(new Date().getFullYear()),
  };
  const source = templatesDir();
  const files: string[] = [];
  for (const template of await listTemplates(source)) {
    const text = await readFile(join(source, template), 'utf8');
    const rendered = text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`template ${template}: unknown placeholder ${match}`);
      return value;
    });
    const target = join(directory, targetName(template));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, rendered);
    files.push(relative(directory, target));
  }
  return { ...names, directory, files };
}
