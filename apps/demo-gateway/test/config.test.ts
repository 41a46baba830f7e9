import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayConfigError, loadConfig, parseConfig } from '../src/config';
import { CLI, EXAMPLE_CONFIG, testConfig } from './helpers';

const dir = mkdtempSync(path.join(tmpdir(), 'gateway-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function issuesOf(raw: unknown): { path: string; message: string }[] {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayConfigError);
    return (error as GatewayConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('enkrypt_mcp_config.json', () => {
  it('the shipped example is valid, with the Python gateway defaults filled in', () => {
    const config = loadConfig(EXAMPLE_CONFIG);
    const server = Object.values(config.gateway.mcp_configs)[0]!.mcp_config[0]!;
    expect(server.server_name).toBe('demo_server');
    expect(server.input_guardrails_policy.block).toContain('injection_attack');
    expect(config.gateway.common_mcp_gateway_config.timeout_settings.escalation_policies).toEqual({ warn_threshold: 0.8, timeout_threshold: 1, fail_threshold: 1.2 });
    expect(config.dir).toBe(path.dirname(EXAMPLE_CONFIG));
  });

  it('names the JSON path of each problem, across core\'s and the gateway\'s sections', () => {
    const raw = testConfig();
    const id = Object.keys(raw.mcp_configs)[0]!;
    raw.mcp_configs[id].mcp_config[1].server_name = 42;
    delete raw.mcp_configs[id].mcp_config[2].config.command;
    raw.mcp_configs[id].mcp_config[0].input_guardrails_policy.block = 'pii';
    raw.common_mcp_gateway_config.timeout_settings.tool_execution_timeout = -1;
    raw.plugins.telemetry.config.url = 'not a url';
    const issues = issuesOf(raw);
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        `mcp_configs["${id}"].mcp_config[1].server_name`,
        `mcp_configs["${id}"].mcp_config[2].config.command`,
        `mcp_configs["${id}"].mcp_config[0].input_guardrails_policy.block`,
        'common_mcp_gateway_config.timeout_settings.tool_execution_timeout',
        'plugins.telemetry.config.url',
      ]),
    );
  });

  it('checks cross references and never prints a gateway key', () => {
    const raw = testConfig();
    const [key] = Object.keys(raw.apikeys);
    raw.apikeys[key!].project_id = 'no-such-project';
    raw.projects[Object.keys(raw.projects)[0]!].mcp_config_id = 'no-such-config';
    let message = '';
    try {
      parseConfig(raw);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('apikeys[#1].project_id: unknown project "no-such-project"');
    expect(message).toContain('mcp_config_id: unknown mcp_config "no-such-config"');
    expect(message).not.toContain(key!);

    const bad = testConfig();
    bad.apikeys = { 'sk-secret-123': { project_id: 7 } };
    const text = (() => {
      try {
        parseConfig(bad);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(text).toContain('apikeys[<key>]');
    expect(text).not.toContain('sk-secret-123');
  });

  it('the CLI refuses a bad file with the message and exit code 2, writing nothing to stdout', () => {
    const file = path.join(dir, 'enkrypt_mcp_config.json');
    writeFileSync(file, '{ "mcp_configs": { "x": { "mcp_config": [ { "server_name": "a" } ] } }, "projects": {}, "apikeys": {} ');
    const malformed = spawnSync(process.execPath, [CLI, '--config', file], { encoding: 'utf8', input: '' });
    expect(malformed.status).toBe(2);
    expect(malformed.stdout).toBe('');
    expect(malformed.stderr).toMatch(/malformed JSON/);

    writeFileSync(file, JSON.stringify({ mcp_configs: { x: { mcp_config: [{ server_name: 'a' }] } }, projects: {}, apikeys: {} }));
    const invalid = spawnSync(process.execPath, [CLI, '--config', file], { encoding: 'utf8', input: '' });
    expect(invalid.status).toBe(2);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toContain('mcp_configs.x.mcp_config[0].config');
    expect(invalid.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
