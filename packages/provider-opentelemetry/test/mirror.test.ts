// Where the JSON-line mirror of log records goes: stderr by default, never stdout.
import { afterEach, expect, it, vi } from 'vitest';
import { configSchema } from '../src/index';
import { cleanup, start } from './helpers';

afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup();
});

function capture(stream: NodeJS.WriteStream): string[] {
  const lines: string[] = [];
  vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  }) as typeof stream.write);
  return lines;
}

it('mirrors records as JSON lines to stderr by default, and writes nothing to stdout', async () => {
  const stderr = capture(process.stderr);
  const stdout = capture(process.stdout);
  const { instance } = await start({ url: 'http://127.0.0.1:1' }, { log_mirror: 'stderr', otlp_export: false });
  instance.logger('gateway').warn('upstream slow', { server: 'github', ms: 1234 });
  const line = stderr.find((l) => l.includes('upstream slow'))!;
  expect(line.endsWith('\n')).toBe(true);
  expect(JSON.parse(line)).toMatchObject({ level: 'WARNING', logger: 'gateway', event: 'upstream slow', server: 'github', ms: 1234 });
  expect(stdout).toEqual([]);
});

it('writes no mirror with log_mirror "none"', async () => {
  const stderr = capture(process.stderr);
  const { instance } = await start({ url: 'http://127.0.0.1:1' }, { log_mirror: 'none', otlp_export: false });
  instance.logger('gateway').error('nowhere');
  expect(stderr.filter((l) => l.includes('nowhere'))).toEqual([]);
});

it('refuses stdout as the mirror and names the setting', async () => {
  await expect(start({ url: 'http://127.0.0.1:1' }, { log_mirror: 'stdout' })).rejects.toThrow(/log_mirror cannot be stdout/);
});

it('rejects provider keys of the wrong type with their path, and ignores unknown keys', async () => {
  const result = await configSchema['~standard'].validate({ export_timeout_ms: 'soon', otlp_export: 'no', some_other_key: 1 });
  expect(result.issues?.map((issue) => [issue.path, issue.message])).toEqual([
    [['otlp_export'], 'must be true or false, got "no"'],
    [['export_timeout_ms'], 'must be a positive integer, got "soon"'],
  ]);
  expect((await configSchema['~standard'].validate({ url: 'http://x:4317', some_other_key: 1 })).issues).toBeUndefined();
});
