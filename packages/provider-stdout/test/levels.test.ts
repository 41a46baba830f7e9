import { afterEach, describe, expect, it } from 'vitest';
import { fileHarness, type Harness } from './helpers';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('level filter (enkrypt_log_level)', () => {
  it('writes records at or above the threshold only', async () => {
    h = await fileHarness({}, { logLevel: 'WARNING' });
    const log = h.instance.logger('lv');
    log.debug('d');
    log.info('i');
    log.log('INFO', 'li');
    log.warn('w');
    log.error('e');
    log.critical('c');
    log.log('ERROR', 'le');
    expect((await h.lines()).map((l) => l.event)).toEqual(['w', 'e', 'c', 'le']);
    expect(log.isLevelEnabled('INFO')).toBe(false);
    expect(log.isLevelEnabled('WARNING')).toBe(true);
    expect(log.child({ a: 1 }).isLevelEnabled('DEBUG')).toBe(false);
  });

  it('never reads the fields of a filtered record (no serialisation at all)', async () => {
    h = await fileHarness({}, { logLevel: 'ERROR' });
    let reads = 0;
    const fields = {
      get expensive(): string {
        reads++;
        throw new Error('must not be read');
      },
    };
    const log = h.instance.logger('lv').child({ k: 1 });
    log.debug('d', fields);
    log.info('i', fields);
    log.warn('w', fields);
    log.log('DEBUG', 'ld', fields);
    h.instance.emit!({ time: Date.now(), level: 'INFO', event: 'replayed', logger: 'lv', context: {}, fields });
    expect(reads).toBe(0);
    expect(await h.text()).toBe('');
    // The same fields at an enabled level are read (and the throwing getter is contained).
    log.error('e', fields);
    expect(reads).toBe(1);
    const [line] = await h.lines();
    expect(line).toMatchObject({ event: 'e', expensive: '[Throws: Error: must not be read]' });
  });

  it('emit() applies the same threshold to replayed records', async () => {
    h = await fileHarness({}, { logLevel: 'INFO' });
    const base = { time: Date.now(), logger: 'boot', context: {}, fields: {} };
    h.instance.emit!({ ...base, level: 'DEBUG', event: 'hidden' });
    h.instance.emit!({ ...base, level: 'INFO', event: 'shown' });
    expect((await h.lines()).map((l) => l.event)).toEqual(['shown']);
  });
});
