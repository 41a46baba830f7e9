// Where the JSON-line mirror of log records goes: stderr by default, never stdout.
import { afterEach, expect, it, vi } from 'vitest';
import { configSchema } from '../src/index';
import { cleanup, start } from './helpers';

afterEach(async () => {
  vi.restoreAllMocks();
  // undo fakeBufferedBytes: the stream's own getter (on its prototype) shows again
  delete (process.stderr as { writableLength?: number }).writableLength;
  await cleanup();
});

/** Makes process.stderr report `bytes()` waiting in its buffer, as when nobody reads the pipe. */
function fakeBufferedBytes(bytes: () => number): void {
  Object.defineProperty(process.stderr, 'writableLength', { configurable: true, get: bytes });
}

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
  await instance.forceFlush();
  const line = stderr.find((l) => l.includes('upstream slow'))!;
  expect(line.endsWith('\n')).toBe(true);
  expect(JSON.parse(line)).toMatchObject({ level: 'WARNING', logger: 'gateway', event: 'upstream slow', server: 'github', ms: 1234 });
  expect(stdout).toEqual([]);
});

it('batches stderr lines into one write on the next turn of the event loop, none on the request path', async () => {
  const stderr = capture(process.stderr);
  const { instance } = await start({ url: 'http://127.0.0.1:1' }, { log_mirror: 'stderr', otlp_export: false });
  const logger = instance.logger('gateway');
  for (let i = 0; i < 3; i += 1) logger.info('batched', { i, authorization: 'Bearer s3cr3t' });
  expect(stderr.filter((chunk) => chunk.includes('batched'))).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  const chunks = stderr.filter((chunk) => chunk.includes('batched'));
  expect(chunks).toHaveLength(1);
  const lines = chunks[0]!.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.map((line) => line.i)).toEqual([0, 1, 2]);
  expect(chunks[0]).not.toContain('s3cr3t');
});

it('writes no mirror with log_mirror "none"', async () => {
  const stderr = capture(process.stderr);
  const { instance } = await start({ url: 'http://127.0.0.1:1' }, { log_mirror: 'none', otlp_export: false });
  instance.logger('gateway').error('nowhere');
  await instance.forceFlush();
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

it('drops and counts stderr mirror lines while over 1 MiB waits unread in stderr, warns once, and resumes once it drains', async () => {
  const stderr = capture(process.stderr);
  let buffered = 0;
  fakeBufferedBytes(() => buffered);
  const { instance, warnings } = await start({ url: 'http://127.0.0.1:1' }, { log_mirror: 'stderr', otlp_export: false });
  const logger = instance.logger('gateway');
  // forceFlush hands the queued chunk to the stream at once (synchronously): count lines, not chunks.
  const written = (event: string) => {
    void instance.forceFlush();
    return stderr.join('').split('\n').filter((line) => line.includes(`"event":"${event}"`)).length;
  };

  buffered = 1024 * 1024 - 1;
  logger.info('below the cap');
  expect(written('below the cap')).toBe(1);

  buffered = 1024 * 1024;
  for (let i = 0; i < 5; i += 1) logger.info('over the cap');
  expect(written('over the cap')).toBe(0);
  expect(instance.stats().droppedMirrorLines).toBe(5);

  // Still paused while anything is buffered, even below the cap: it waits for the drain.
  buffered = 10_000;
  logger.info('not drained yet');
  expect(written('not drained yet')).toBe(0);

  buffered = 0;
  process.stderr.emit('drain');
  logger.info('after the drain');
  expect(written('after the drain')).toBe(1);

  buffered = 2 * 1024 * 1024;
  logger.info('over the cap again');
  expect(instance.stats().droppedMirrorLines).toBe(7);
  const mirrorWarnings = warnings.filter((w) => w.includes('log mirror is dropping'));
  expect(mirrorWarnings).toHaveLength(1);
  expect(mirrorWarnings[0]).toContain('stderr is not being read');
});
