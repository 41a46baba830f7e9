import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { reservePort } from '@secure-mcp-gateway/otlp-test-receiver';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_DIR } from './helpers';

const run = promisify(execFile);
const README = path.resolve(APP_DIR, '../../README.md');
const project = mkdtempSync(path.join(tmpdir(), 'readme-snippet-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The fenced block of `language` that follows `after` in the root README. */
function block(text: string, after: string, language: string): string {
  const from = text.indexOf(after);
  expect(from, after).toBeGreaterThanOrEqual(0);
  const open = text.indexOf('```' + language + '\n', from);
  return text.slice(open + language.length + 4, text.indexOf('\n```', open));
}

describe('the root README\'s "Use it in a gateway" snippet', () => {
  it('with no collector, prints exactly the line the README shows on stderr, nothing on stdout', async () => {
    const readme = readFileSync(README, 'utf8');
    const snippet = block(readme, '## Use it in a gateway', 'ts');
    const expected = block(readme, 'With **no collector**', 'text');
    const config = /for the config\s+`([^`]+)`/.exec(readme)![1]!;

    // A project with the packages the README installs, and the README's config on a port where nothing listens.
    for (const name of ['@secure-mcp-gateway/telemetry-core', '@secure-mcp-gateway/telemetry-provider-opentelemetry', '@opentelemetry/api']) {
      mkdirSync(path.dirname(path.join(project, 'node_modules', name)), { recursive: true });
      symlinkSync(realpathSync(path.join(APP_DIR, 'node_modules', name)), path.join(project, 'node_modules', name), 'dir');
    }
    const port = await reservePort();
    writeFileSync(path.join(project, 'enkrypt_mcp_config.json'), config.replace('localhost:4317', `127.0.0.1:${port}`));
    writeFileSync(path.join(project, 'package.json'), '{ "type": "module" }');
    writeFileSync(path.join(project, 'main.js'), snippet);

    const { stdout, stderr } = await run(process.execPath, ['main.js'], { cwd: project, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 15_000 });
    expect(stdout).toBe('');
    expect(stderr.replaceAll(`127.0.0.1:${port}`, 'localhost:4317')).toBe(`${expected}\n`);
  });
});
