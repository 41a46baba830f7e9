import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import { isTelemetryProvider, type TelemetryProvider } from './contract';
import { CORE_VERSION } from './version';

const DEFAULT_SCOPE = '@secure-mcp-gateway';
const PREFIX = 'telemetry-provider';

export type ProviderLoadErrorCode =
  | 'INVALID_SPEC'
  | 'NOT_FOUND'
  | 'IMPORT_FAILED'
  | 'NOT_A_PROVIDER'
  | 'INCOMPATIBLE_CORE';

/** A provider could not be loaded. `message` is one paragraph saying what was tried and what to do. */
export class ProviderLoadError extends Error {
  override readonly name = 'ProviderLoadError';
  readonly code: ProviderLoadErrorCode;
  /** The spec as configured, e.g. `opentelemetry`. */
  readonly spec: string;
  /** What it was normalised to (package name or path). */
  readonly resolvedName: string;
  /** Every place looked at, in order. */
  readonly tried: readonly string[];
  /** The command that fixes a missing package, when that is the problem. */
  readonly installCommand?: string | undefined;

  constructor(init: {
    code: ProviderLoadErrorCode;
    spec: string;
    resolvedName: string;
    tried?: readonly string[];
    installCommand?: string;
    message: string;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.spec = init.spec;
    this.resolvedName = init.resolvedName;
    this.tried = init.tried ?? [];
    this.installCommand = init.installCommand;
  }
}

function isPathSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || isAbsolute(spec) || spec.startsWith('file:') || /^[A-Za-z]:[\\/]/.test(spec) || spec.startsWith('.\\') || spec.startsWith('..\\');
}

/**
 * ESLint-style provider names: `opentelemetry` -> `@secure-mcp-gateway/telemetry-provider-opentelemetry`,
 * `@acme/foo` -> `@acme/telemetry-provider-foo`, `@acme` -> `@acme/telemetry-provider`;
 * full package names (`telemetry-provider-x`, `@acme/telemetry-provider-x`) and paths as given.
 */
export function normalizeProviderName(spec: string): string {
  const name = spec.trim();
  if (!name) throw new TypeError('provider name is empty');
  if (isPathSpec(name)) return name;
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    if (slash === -1) return `${name}/${PREFIX}`;
    const scope = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    if (rest === PREFIX || rest.startsWith(`${PREFIX}-`)) return name;
    return `${scope}/${PREFIX}-${rest}`;
  }
  if (name === PREFIX || name.startsWith(`${PREFIX}-`)) return name;
  return `${DEFAULT_SCOPE}/${PREFIX}-${name}`;
}


export interface LoadProviderOptions {
  /** The config file's folder: looked in first (default: cwd only). */
  readonly configDir?: string | undefined;
  /** The working directory: looked in second (default process.cwd()). */
  readonly cwd?: string | undefined;
}

// A real dynamic import in both builds: esbuild keeps `import(variable)` as is for node20 in CJS
// output (test/process.test.ts checks the built dist/index.cjs loads an ESM-only provider).
const importModule = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

type Exports = string | null | Exports[] | { [key: string]: Exports };

function pickTarget(exportsField: Exports, conditions: readonly string[]): string | undefined {
  if (typeof exportsField === 'string') return exportsField;
  if (exportsField === null) return undefined;
  if (Array.isArray(exportsField)) {
    for (const item of exportsField) {
      const found = pickTarget(item, conditions);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, value] of Object.entries(exportsField)) {
    if (conditions.includes(key)) {
      const found = pickTarget(value, conditions);
      if (found) return found;
    }
  }
  return undefined;
}

/** The entry file of a package folder: `exports["."]` (import conditions first, then require), `main`, index. */
function packageEntry(dir: string): string | undefined {
  let pkg: { exports?: Exports; main?: string; module?: string } = {};
  const pkgFile = join(dir, 'package.json');
  if (existsSync(pkgFile)) {
    try {
      pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as typeof pkg;
    } catch {
      pkg = {};
    }
  }
  if (pkg.exports !== undefined) {
    let root: Exports = pkg.exports;
    if (root && typeof root === 'object' && !Array.isArray(root) && Object.keys(root).some((k) => k.startsWith('.'))) {
      root = (root as Record<string, Exports>)['.'] ?? null;
    }
    const target =
      pickTarget(root, ['node', 'import', 'module-sync', 'default']) ?? pickTarget(root, ['node', 'require', 'default']);
    if (target) return resolve(dir, target);
  }
  for (const candidate of [pkg.main, 'index.js', 'index.mjs', 'index.cjs']) {
    if (!candidate) continue;
    const file = resolve(dir, candidate);
    for (const f of [file, `${file}.js`, `${file}.mjs`, `${file}.cjs`, join(file, 'index.js')]) {
      if (existsSync(f) && statSync(f).isFile()) return f;
    }
  }
  return undefined;
}

/** Node's own lookup for a bare package name: `<dir>/node_modules/<name>` walking up from `base`. */
function findPackageDir(name: string, base: string): string | undefined {
  let dir = resolve(base);
  for (;;) {
    if (!dir.endsWith('node_modules')) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function resolvePath(target: string): string | undefined {
  if (!existsSync(target)) {
    for (const ext of ['.js', '.mjs', '.cjs']) if (existsSync(target + ext)) return target + ext;
    return undefined;
  }
  return statSync(target).isDirectory() ? packageEntry(target) : target;
}

function unwrap(mod: unknown): unknown {
  const m = mod as { default?: { default?: unknown } } | undefined;
  for (const candidate of [m?.default, m?.default?.default, m]) {
    if (isTelemetryProvider(candidate)) return candidate;
  }
  return m?.default ?? mod;
}

/** Checks `meta.core` against this core; throws `ProviderLoadError` (INCOMPATIBLE_CORE). */
export function checkProviderCompatibility(provider: TelemetryProvider, spec: string = provider.meta.name, resolvedName: string = spec): void {
  const range = provider.meta.core;
  if (!validRange(range)) {
    throw new ProviderLoadError({
      code: 'INCOMPATIBLE_CORE',
      spec,
      resolvedName,
      message: `Telemetry provider "${provider.meta.name}" (${resolvedName}) declares meta.core "${range}", which is not a semver range; it should be like "^${CORE_VERSION}".`,
    });
  }
  if (!satisfies(CORE_VERSION, range, { includePrerelease: true })) {
    throw new ProviderLoadError({
      code: 'INCOMPATIBLE_CORE',
      spec,
      resolvedName,
      message: `Telemetry provider "${provider.meta.name}" ${provider.meta.version} (${resolvedName}) needs @secure-mcp-gateway/telemetry-core ${range}, but this is ${CORE_VERSION}. Install a provider version built for core ${CORE_VERSION}, or a core version in ${range}.`,
    });
  }
}

function describeDir(dir: string): string {
  return dir;
}

/**
 * Loads a provider: normalises `spec`, resolves it from `configDir` then `cwd` (no scanning),
 * imports it (ESM or CJS; CJS default unwrapped), checks it is a provider and that `meta.core`
 * accepts this core. Throws `ProviderLoadError`.
 */
export async function loadProvider(spec: string, options: LoadProviderOptions = {}): Promise<TelemetryProvider> {
  let name: string;
  try {
    name = normalizeProviderName(spec);
  } catch {
    throw new ProviderLoadError({ code: 'INVALID_SPEC', spec, resolvedName: '', message: `Telemetry provider name is empty: set plugins.telemetry.provider to "opentelemetry", "stdout", a package name or a path.` });
  }
  const cwd = resolve(options.cwd ?? process.cwd());
  const bases = [...new Set([options.configDir ? resolve(options.configDir) : undefined, cwd].filter((b): b is string => !!b))];
  const tried: string[] = [];
  let entry: string | undefined;

  if (isPathSpec(name)) {
    const asPath = name.startsWith('file:') ? fileURLToPath(name) : name;
    for (const base of isAbsolute(asPath) ? [undefined] : bases) {
      const target = base ? resolve(base, asPath) : asPath;
      tried.push(target);
      entry = resolvePath(target);
      if (entry) break;
    }
    if (!entry) {
      throw new ProviderLoadError({
        code: 'NOT_FOUND',
        spec,
        resolvedName: name,
        tried,
        message: `Telemetry provider "${spec}" not found: tried ${tried.join(', ')}. Check plugins.telemetry.provider: a relative path is resolved against the config file's folder, then the working directory.`,
      });
    }
  } else {
    for (const base of bases) {
      tried.push(`${name} from ${describeDir(base)}`);
      const dir = findPackageDir(name, base);
      if (dir) {
        entry = packageEntry(dir);
        if (entry) break;
        tried[tried.length - 1] += ` (package found at ${dir} but it has no entry file)`;
      }
    }
    if (!entry) {
      const installCommand = `pnpm add ${name}`;
      throw new ProviderLoadError({
        code: 'NOT_FOUND',
        spec,
        resolvedName: name,
        tried,
        installCommand,
        message: `Telemetry provider "${spec}" is not installed: tried ${tried.join('; ')}. Install it with \`${installCommand}\` (or \`npm install ${name}\`), or set plugins.telemetry.provider to an installed provider.`,
      });
    }
  }

  let mod: unknown;
  try {
    mod = await importModule(pathToFileURL(entry).href);
  } catch (error) {
    throw new ProviderLoadError({
      code: 'IMPORT_FAILED',
      spec,
      resolvedName: name,
      tried: [entry],
      cause: error,
      message: `Telemetry provider "${spec}" (${entry}) failed to load: ${(error as Error)?.message ?? String(error)}.`,
    });
  }
  const provider = unwrap(mod);
  if (!isTelemetryProvider(provider)) {
    throw new ProviderLoadError({
      code: 'NOT_A_PROVIDER',
      spec,
      resolvedName: name,
      tried: [entry],
      message: `Telemetry provider "${spec}" (${entry}) does not export a provider: its default export must be made with defineProvider() from @secure-mcp-gateway/telemetry-core (got ${describeExport(provider)}).`,
    });
  }
  checkProviderCompatibility(provider, spec, name);
  return provider;
}

function describeExport(value: unknown): string {
  if (value === undefined) return 'no default export';
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    const keys = Object.keys(value).slice(0, 5);
    return keys.length ? `an object with keys ${keys.join(', ')}` : 'an empty object';
  }
  return typeof value;
}
