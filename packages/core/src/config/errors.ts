import { isSecretKey } from '../secrets';

export interface ConfigIssue {
  /** JSON path of the offending value, e.g. `plugins.telemetry.config.enabled` (`(file)` for the file itself). */
  readonly path: string;
  readonly message: string;
}

/**
 * A configuration problem. Its message is one paragraph naming the source (file or
 * environment) and each JSON path with what is wrong there; print `message`, not `stack`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  /** The file (or `environment`, `options.config`) the problem is in. */
  readonly source: string;

  constructor(source: string, issues: readonly ConfigIssue[], summary?: string) {
    const head = summary ?? `Invalid telemetry configuration in ${source}`;
    const body = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
    super(`${head}: ${body}.`);
    this.source = source;
    this.issues = issues;
  }
}

/** `a.b[0].c` from a path array; odd keys quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      out += /^[A-Za-z_$][\w$-]*$/.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** `string "yes"`, `number 5`, `null`... for "got ..." in messages; secrets are never echoed. */
export function describeValue(value: unknown, path: readonly PropertyKey[] = []): string {
  const secret = path.some((segment) => segment === 'headers' || isSecretKey(segment));
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return secret ? 'a string' : `string ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)}`;
    case 'number':
    case 'boolean':
      return secret ? `a ${typeof value}` : `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
