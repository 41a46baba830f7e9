import { afterEach, describe, expect, it } from 'vitest';
import { fileHarness, type Harness } from './helpers';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SECRETS = ['sk-live-AAA', 'tok-BBB', 'hunter2', 'Basic dXNlcjpwYXNz', 'gk-CCC', 'cookie-DDD', 'hdr-EEE', 'map-FFF', 'err-GGG', 'ctx-HHH'];

describe('redaction', () => {
  it('never writes values of secret-looking keys, at any depth, in fields, context, Maps and Errors', async () => {
    h = await fileHarness();
    const err = Object.assign(new Error('auth failed'), { apiKey: 'err-GGG' });
    h.instance
      .logger('r')
      .child({ gateway_key: 'ctx-HHH', tenant: 't1' })
      .info('request', {
        api_key: 'sk-live-AAA',
        user: 'alice',
        auth: { access_token: 'tok-BBB', scheme: 'bearer' },
        list: [{ password: 'hunter2' }],
        headers: { Authorization: 'Basic dXNlcjpwYXNz', 'X-Gateway-Key': 'gk-CCC', Cookie: 'cookie-DDD', 'x-api-key': 'hdr-EEE' },
        map: new Map([['client_secret', 'map-FFF']]),
        err,
        max_tokens: 512,
      });
    const text = await h.text();
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const [line] = await h.lines();
    expect(line).toMatchObject({
      api_key: '[REDACTED]',
      user: 'alice',
      tenant: 't1',
      gateway_key: '[REDACTED]',
      list: [{ password: '[REDACTED]' }],
      headers: { Authorization: '[REDACTED]', 'X-Gateway-Key': '[REDACTED]', Cookie: '[REDACTED]', 'x-api-key': '[REDACTED]' },
      map: { client_secret: '[REDACTED]' },
      max_tokens: 512, // token counts are not secrets
    });
    // `auth` itself is a secret-looking key: the whole object is withheld.
    expect(line!.auth).toBe('[REDACTED]');
    expect((line!.err as Record<string, unknown>).apiKey).toBe('[REDACTED]');
  });

  it('masks Bearer credentials inside messages and string values', async () => {
    h = await fileHarness();
    h.instance.logger('r').warn('upstream replied 401 to Bearer abc.def.ghi', { note: 'sent Bearer xyz123' });
    const text = await h.text();
    expect(text).not.toContain('abc.def.ghi');
    expect(text).not.toContain('xyz123');
    expect(text).toContain('Bearer [REDACTED]');
  });
});
