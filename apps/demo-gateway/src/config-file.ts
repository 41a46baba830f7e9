import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { UsageError, type CommandSpec } from './argv';
import { GatewayConfigError, loadConfig, type LoadedGatewayConfig } from './config';

/**
 * Where `enkrypt_mcp_config.json` is looked for, in order: `--config`, `$ENKRYPT_MCP_CONFIG`,
 * `./enkrypt_mcp_config.json`, `~/.enkrypt/enkrypt_mcp_config.json`. A file named explicitly
 * (flag or variable) is used or reported as missing, never skipped for another one.
 */

export const CONFIG_FILE_NAME = 'enkrypt_mcp_config.json';
export const CONFIG_ENV = 'ENKRYPT_MCP_CONFIG';

export type ConfigSource = '--config' | '$ENKRYPT_MCP_CONFIG' | './enkrypt_mcp_config.json' | '~/.enkrypt/enkrypt_mcp_config.json';

export type ConfigLocation =
  | { readonly found: true; readonly path: string; readonly source: ConfigSource }
  /** Nothing found: `tried` lists every place, with the absolute path, for the message. */
  /** `explicit`: a file named by --config or $ENKRYPT_MCP_CONFIG is missing (not merely none in the default places). */
  | { readonly found: false; readonly explicit: boolean; readonly tried: readonly string[]; readonly message: string; readonly fix: string };

export interface FindConfigOptions {
  readonly flag?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly home?: string;
}

/** `~/.enkrypt/enkrypt_mcp_config.json`, where `config init` writes by default (as the Python gateway does). */
export function homeConfigPath(home: string = homedir()): string {
  return path.join(home, '.enkrypt', CONFIG_FILE_NAME);
}

export function findConfig(options: FindConfigOptions = {}): ConfigLocation {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fix = 'Create one with "secure-mcp-gateway config init", or pass --config FILE.';
  if (options.flag !== undefined) {
    const file = path.resolve(cwd, options.flag);
    if (existsSync(file)) return { found: true, path: file, source: '--config' };
    return { found: false, explicit: true, tried: [file], message: `config file not found: --config ${file} does not exist.`, fix };
  }
  const fromEnv = env[CONFIG_ENV]?.trim();
  if (fromEnv) {
    const file = path.resolve(cwd, fromEnv);
    if (existsSync(file)) return { found: true, path: file, source: '$ENKRYPT_MCP_CONFIG' };
    return { found: false, explicit: true, tried: [file], message: `config file not found: $${CONFIG_ENV} names ${file}, which does not exist.`, fix };
  }
  const local = path.resolve(cwd, CONFIG_FILE_NAME);
  if (existsSync(local)) return { found: true, path: local, source: './enkrypt_mcp_config.json' };
  const home = homeConfigPath(options.home ?? homedir());
  if (existsSync(home)) return { found: true, path: home, source: '~/.enkrypt/enkrypt_mcp_config.json' };
  return {
    found: false,
    explicit: false,
    tried: [local, home],
    message: `no config file found: tried --config (not given), $${CONFIG_ENV} (not set), ${local}, ${home}.`,
    fix,
  };
}

/** Reads and validates the config for `command`: a bad file is bad input (printed with the usage, exit 2). */
export function loadConfigFor(command: CommandSpec, file: string): LoadedGatewayConfig {
  try {
    return loadConfig(file);
  } catch (error) {
    if (error instanceof GatewayConfigError) throw new UsageError(error.message, command);
    throw error;
  }
}
