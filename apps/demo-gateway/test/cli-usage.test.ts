import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers';

// Every run starts the built CLI by absolute path from `/`, with HOME pointing at an empty folder.
const home = mkdtempSync(path.join(tmpdir(), 'cli-usage-home-'));
const env = { HOME: home };
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Bad input: one line saying what is wrong, then the usage; exit 2; nothing on stdout; no stack trace. */
function expectUsageError(run: { code: number | null; stdout: string; stderr: string }, what: string | RegExp, usage: string): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  const [first, second, third, ...rest] = run.stderr.split('\n');
  expect(first).toMatch(/^secure-mcp-gateway: /);
  if (typeof what === 'string') expect(first).toContain(what);
  else expect(first).toMatch(what);
  expect(second).toBe(`usage: secure-mcp-gateway ${usage}`);
  expect(third).toMatch(/^Run "secure-mcp-gateway .*--help" for/);
  expect(rest.join('\n').trim()).toBe('');
  expect(run.stderr).not.toMatch(/\n\s+at |ERR_PARSE_ARGS|TypeError/);
}

const SERVE_USAGE = 'serve [--config FILE] [--transport stdio|http] [--host HOST] [--port PORT]';

describe('secure-mcp-gateway --help', () => {
  it('lists the commands, and each command lists its options, environment variables and an example', async () => {
    const top = await runCli(['--help'], { env });
    expect(top.code).toBe(0);
    for (const name of ['serve', 'doctor', 'demo', 'config init', 'config telemetry']) expect(top.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect((await runCli(['help'], { env })).stdout).toBe(top.stdout);

    const expected: Record<string, { options: string[]; env: string[] }> = {
      serve: { options: ['--config FILE', '--transport stdio|http', '--host HOST', '--port PORT', '--help'], env: ['ENKRYPT_MCP_CONFIG', 'ENKRYPT_GATEWAY_KEY', 'ENKRYPT_TELEMETRY_PROVIDER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'HOME'] },
      doctor: { options: ['--config FILE', '--json', '--timeout MS', '--stack', '--loki URL'], env: ['ENKRYPT_MCP_CONFIG', 'OTEL_SDK_DISABLED', 'DOCTOR_LOKI_URL'] },
      demo: { options: ['--otlp URL', '--config FILE', '--log-file PATH'], env: ['OTEL_*'] },
      'config init': { options: ['--config FILE', '--force', '--provider NAME', '--url URL', '--insecure true|false', '--protocol PROTOCOL', '--enabled true|false'], env: ['ENKRYPT_MCP_CONFIG', 'HOME'] },
      'config telemetry': { options: ['--config FILE', '--enabled true|false', '--url URL', '--insecure true|false', '--provider NAME', '--protocol PROTOCOL'], env: ['ENKRYPT_MCP_CONFIG', 'HOME'] },
    };
    for (const [name, { options, env: variables }] of Object.entries(expected)) {
      const viaFlag = await runCli([...name.split(' '), '--help'], { env });
      expect(viaFlag.code, name).toBe(0);
      const help = viaFlag.stdout;
      expect(help, name).toMatch(new RegExp(`^usage: secure-mcp-gateway ${name} `));
      const sections = { options: help.indexOf('\nOptions:\n'), env: help.indexOf('\nEnvironment:\n'), examples: help.indexOf('\nExamples:\n') };
      expect(sections.options, name).toBeGreaterThan(0);
      expect(sections.env, name).toBeGreaterThan(sections.options);
      expect(sections.examples, name).toBeGreaterThan(sections.env);
      for (const option of options) expect(help.slice(sections.options, sections.env), `${name} ${option}`).toContain(option);
      for (const variable of variables) expect(help.slice(sections.env, sections.examples), `${name} ${variable}`).toContain(variable);
      expect(help.slice(sections.examples), name).toContain(`secure-mcp-gateway ${name.split(' ')[0]}`);
      // The same text from `help <command>` and with -h; --help wins over a mistake beside it.
      expect((await runCli(['help', ...name.split(' ')], { env })).stdout, name).toBe(help);
      expect((await runCli([...name.split(' '), '--no-such-flag', '-h'], { env })).stdout, name).toBe(help);
    }
    expect((await runCli(['--version'], { env })).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('bad input: one line, the usage, exit 2', () => {
  it('unknown commands and options, missing and bad values, stray arguments', async () => {
    const cases: [string[], string | RegExp, string][] = [
      [['srve'], 'unknown command "srve" (did you mean "serve"?)', '[serve|doctor|demo|config init|config telemetry] [options]'],
      [['--frobnicate'], 'unknown option "--frobnicate"', SERVE_USAGE],
      [['serve', '--trasport', 'http'], 'unknown option "--trasport" (did you mean --transport?)', SERVE_USAGE],
      [['serve', '--config'], 'option --config FILE needs a value', SERVE_USAGE],
      [['serve', '--config', '--transport', 'http'], 'option --config FILE needs a value, got the option "--transport"', SERVE_USAGE],
      [['serve', '-c'], 'option --config FILE needs a value', SERVE_USAGE],
      [['serve', '--transport', 'tcp'], 'option --transport must be "stdio" or "http", got "tcp"', SERVE_USAGE],
      [['serve', '--transport', 'http', '--port', '99999'], 'option --port must be an integer from 0 to 65535, got "99999"', SERVE_USAGE],
      [['serve', '--transport', 'http', '--port', 'eighty'], 'option --port must be an integer from 0 to 65535, got "eighty"', SERVE_USAGE],
      [['serve', '--port', '8000'], '--host and --port apply to --transport http only', SERVE_USAGE],
      [['serve', 'extra'], 'unexpected argument "extra"', SERVE_USAGE],
      [['serve', '--config='], 'option --config FILE needs a value, got an empty string', SERVE_USAGE],
      [['doctor', '--json=yes'], 'option --json takes no value', 'doctor [--config FILE] [--json] [--timeout MS] [--stack [--loki URL] [--prometheus URL] [--jaeger URL] [--collector-metrics URL]]'],
      [['doctor', '--timeout', '0'], 'option --timeout must be a number of milliseconds above 0, got "0"', 'doctor [--config FILE] [--json] [--timeout MS] [--stack [--loki URL] [--prometheus URL] [--jaeger URL] [--collector-metrics URL]]'],
      [['doctor', '--loki', 'http://x:3100'], '--loki applies to the stack checks: add --stack', 'doctor [--config FILE] [--json] [--timeout MS] [--stack [--loki URL] [--prometheus URL] [--jaeger URL] [--collector-metrics URL]]'],
      [['demo', '--otlp', 'localhost'], /^secure-mcp-gateway: option --otlp: expected an http:\/\/ or https:\/\/ URL/, 'demo [--otlp URL] [--config FILE] [--log-file PATH]'],
      [['config'], '"config" needs a subcommand: init or telemetry', 'config init|telemetry [options]'],
      [['config', 'int'], 'unknown config subcommand "int" (did you mean "config init"?)', 'config init|telemetry [options]'],
      [['config', 'telemetry', '--enabled', 'yes'], 'option --enabled must be true or false, got "yes"', 'config telemetry [--config FILE] [--enabled true|false] [--url URL] [--insecure true|false] [--provider NAME] [--protocol PROTOCOL]'],
      [['config', 'init', '--protocol', 'http'], 'option --protocol must be "grpc" or "http/protobuf", got "http"', 'config init [--config FILE] [--force] [--provider NAME] [--url URL] [--insecure true|false] [--protocol PROTOCOL] [--enabled true|false]'],
    ];
    for (const [args, what, usage] of cases) {
      const run = await runCli(args, { env });
      expectUsageError(run, what, usage);
    }
  });

  it('no config file: the message lists every place tried, in order', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'cli-usage-cwd-'));
    try {
      const run = await runCli(['serve'], { cwd, env });
      expectUsageError(
        run,
        `no config file found: tried --config (not given), $ENKRYPT_MCP_CONFIG (not set), ${path.join(cwd, 'enkrypt_mcp_config.json')}, ${path.join(home, '.enkrypt', 'enkrypt_mcp_config.json')}. Create one with "secure-mcp-gateway config init", or pass --config FILE.`,
        SERVE_USAGE,
      );
      // A file named explicitly is never skipped for another one.
      writeFileSync(path.join(cwd, 'enkrypt_mcp_config.json'), '{}');
      const fromEnv = await runCli([], { cwd, env: { ...env, ENKRYPT_MCP_CONFIG: path.join(cwd, 'missing.json') } });
      expectUsageError(fromEnv, `$ENKRYPT_MCP_CONFIG names ${path.join(cwd, 'missing.json')}, which does not exist`, SERVE_USAGE);
      const fromFlag = await runCli(['--config', 'nope.json'], { cwd, env });
      expectUsageError(fromFlag, `--config ${path.join(cwd, 'nope.json')} does not exist`, SERVE_USAGE);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('an unreadable or invalid config: what is wrong and where, then the usage, exit 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-usage-config-'));
    try {
      const file = path.join(dir, 'enkrypt_mcp_config.json');
      writeFileSync(file, '{ "apikeys": { ');
      const malformed = await runCli(['--config', file], { env });
      expect(malformed.code).toBe(2);
      expect(malformed.stdout).toBe('');
      expect(malformed.stderr).toMatch(new RegExp(`^secure-mcp-gateway: Invalid gateway config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\n  - line 1, column \\d+: malformed JSON`));
      expect(malformed.stderr).toContain(`usage: secure-mcp-gateway ${SERVE_USAGE}`);
      mkdirSync(path.join(dir, 'a-folder.json'));
      const folder = await runCli(['--config', path.join(dir, 'a-folder.json')], { env });
      expect(folder.code).toBe(2);
      expect(folder.stderr).toMatch(/^secure-mcp-gateway: Invalid gateway config .*a-folder\.json:\n {2}- \(file\): /);
      expect(folder.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
