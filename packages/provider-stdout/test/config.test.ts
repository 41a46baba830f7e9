import { describe, expect, it } from 'vitest';
import { isTelemetryProvider, type StandardSchemaV1 } from '@secure-mcp-gateway/telemetry-core';
import defaultExport, { stdoutConfigSchema, stdoutProvider, type StdoutProviderConfig } from '../src/index';
import { makeContext } from './helpers';

// The schema validates synchronously.
const validate = (input: unknown) =>
  stdoutConfigSchema['~standard'].validate(input) as StandardSchemaV1.Result<StdoutProviderConfig>;

describe('provider object and config', () => {
  it('is a defineProvider provider, as the default and the named export', () => {
    expect(defaultExport).toBe(stdoutProvider);
    expect(isTelemetryProvider(stdoutProvider)).toBe(true);
    expect(stdoutProvider.meta).toMatchObject({ name: 'stdout', core: '^0.1.0' });
    expect(stdoutProvider.meta.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(stdoutProvider.configSchema).toBe(stdoutConfigSchema);
  });

  it('defaults to auto format on stdout, and ignores the common and unknown keys', () => {
    expect(validate(undefined)).toEqual({ value: { format: 'auto', destination: 'stdout', maxStringLength: 8192 } });
    expect(
      validate({ enabled: true, url: 'http://localhost:4317', service_name: 'gw', headers: { a: 'b' }, something_else: 1 }),
    ).toEqual({ value: { format: 'auto', destination: 'stdout', maxStringLength: 8192 } });
    expect(validate({ format: 'JSON', destination: ' stderr ', max_string_length: 64 })).toEqual({
      value: { format: 'json', destination: 'stderr', maxStringLength: 64 },
    });
  });

  it('reports each bad key with its path and what is wrong', () => {
    const result = validate({ format: 'xml', destination: '', max_string_length: 3 });
    expect(result.issues).toEqual([
      { path: ['format'], message: 'must be one of "json", "pretty", "auto"; got "xml"' },
      { path: ['destination'], message: 'must be "stdout", "stderr" or a file path; got ""' },
      { path: ['max_string_length'], message: 'must be an integer >= 16; got 3' },
    ]);
    expect(validate('pretty').issues?.[0]?.message).toMatch(/must be an object/);
  });

  it('create() also accepts the raw config object and rejects a bad one clearly', async () => {
    const { ctx } = makeContext();
    expect(() => stdoutProvider.create({ format: 'xml' } as never, ctx)).toThrow(
      'stdout provider: invalid config: plugins.telemetry.config.format: must be one of "json", "pretty", "auto"; got "xml"',
    );
  });

  it('hands out the OTel API no-op tracer and meter', async () => {
    const { ctx } = makeContext();
    const instance = await stdoutProvider.create({ destination: 'stderr', format: 'json', maxStringLength: 100 }, ctx);
    const span = instance.tracer('t').startSpan('s');
    expect(span.isRecording()).toBe(false);
    span.end();
    const counter = instance.meter('m').createCounter('c');
    expect(() => counter.add(1)).not.toThrow();
    await instance.shutdown();
    await instance.shutdown(); // idempotent
  });
});
