/** The scope whose providers may be named by a bare short name (`foo`). */
export const OFFICIAL_SCOPE = '@secure-mcp-gateway';
export const PROVIDER_PREFIX = 'telemetry-provider-';

export interface ProviderNames {
  /** The npm package name, e.g. `@acme/telemetry-provider-foo`. */
  readonly packageName: string;
  /** What users write in `plugins.telemetry.provider`, e.g. `@acme/foo` or `foo`. */
  readonly shortName: string;
  /** The part after the prefix, e.g. `foo`. */
  readonly base: string;
}

const SEGMENT = /^[a-z0-9][a-z0-9._~-]*$/;

/**
 * Maps what the user typed to the package and short names core's discovery uses
 * (ESLint-style): `foo` -> `@secure-mcp-gateway/telemetry-provider-foo` (short `foo`),
 * `@acme/foo` or `@acme/telemetry-provider-foo` -> `@acme/telemetry-provider-foo` (short `@acme/foo`),
 * `telemetry-provider-foo` stays unscoped and is named by its full name.
 */
export function providerNames(input: string): ProviderNames {
  const name = input.trim();
  const fail = (why: string): never => {
    throw new Error(
      `Invalid provider name "${input}": ${why}. Use a short name like "foo", a scoped one like "@acme/foo", ` +
        `or a full package name like "@acme/telemetry-provider-foo".`,
    );
  };
  if (name.length === 0) fail('it is empty');
  if (name.length > 214) fail('npm package names are at most 214 characters');
  if (name !== name.toLowerCase()) fail('npm package names are lower case');
  if (name.startsWith('@')) {
    const [scope, rest, extra] = name.slice(1).split('/');
    if (!scope || !SEGMENT.test(scope) || rest === undefined || extra !== undefined) fail('a scoped name is "@scope/name"');
    const base = rest!.startsWith(PROVIDER_PREFIX) ? rest!.slice(PROVIDER_PREFIX.length) : rest!;
    if (!SEGMENT.test(base)) fail(`"${base}" has characters npm does not allow`);
    const packageName = `@${scope}/${PROVIDER_PREFIX}${base}`;
    const shortName = `@${scope}` === OFFICIAL_SCOPE ? base : `@${scope}/${base}`;
    return { packageName, shortName, base };
  }
  if (name.startsWith(PROVIDER_PREFIX)) {
    const base = name.slice(PROVIDER_PREFIX.length);
    if (!SEGMENT.test(base)) fail(`"${base}" has characters npm does not allow`);
    return { packageName: name, shortName: name, base };
  }
  if (!SEGMENT.test(name)) fail('it has characters npm does not allow');
  return { packageName: `${OFFICIAL_SCOPE}/${PROVIDER_PREFIX}${name}`, shortName: name, base: name };
}
