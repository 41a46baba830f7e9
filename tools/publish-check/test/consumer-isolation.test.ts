import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTarballs, TSCONFIG } from '../src/consumer';
import { BIN, removeDir, sh, tempDir } from '../src/workspace';

const CORE = '@secure-mcp-gateway/telemetry-core';
const STDOUT = '@secure-mcp-gateway/telemetry-provider-stdout';

const CONFIG = { plugins: { telemetry: { provider: 'stdout', config: { enabled: true } } } };

// One install shared by the file: core plus one provider, nothing else of ours.
describe('an app that installs only core and the stdout provider', () => {
  let tmp: string;
  let app: string;

  beforeAll(async () => {
    tmp = await tempDir('isolation');
    ({ app } = await installTarballs(tmp, [CORE, STDOUT], { '@types/node': '20.19.8' }));
  });
  afterAll(() => removeDir(tmp));

  it('pulls in nothing of the other packages', async () => {
    expect((await readdir(join(app, 'node_modules/@secure-mcp-gateway'))).sort()).toEqual([
      'telemetry-core',
      'telemetry-provider-stdout',
    ]);
    // The OpenTelemetry provider's SDK and gRPC stay out of an app that does not name it.
    // Nor core's optional peer @opentelemetry/api-logs: the ESM, CJS and tsc checks below run without it.
    for (const absent of ['@grpc/grpc-js', '@opentelemetry/sdk-trace-base', '@opentelemetry/sdk-metrics', '@opentelemetry/exporter-trace-otlp-grpc', '@opentelemetry/api-logs']) {
      expect(existsSync(join(app, 'node_modules', absent)), absent).toBe(false);
    }
  });

  it('works from ESM: discovers "stdout" by name and logs through it', async () => {
    await writeFile(
      join(app, 'esm.mjs'),
      `import { initTelemetry, getLogger, shutdownTelemetry, loadProvider } from '${CORE}';
import stdoutProvider from '${STDOUT}';
const loaded = await loadProvider('stdout', { cwd: process.cwd() });
const status = await initTelemetry({ config: ${JSON.stringify(CONFIG)}, env: {}, stdoutReserved: true, installShutdownHooks: false });
getLogger('consumer.esm').warn('esm_works', { n: 1 });
await shutdownTelemetry({ timeoutMs: 2000 });
process.stdout.write(JSON.stringify({ same: loaded === stdoutProvider, name: loaded.meta.name, state: status.state }));
`,
    );
    const { stdout, stderr } = await sh(process.execPath, ['esm.mjs'], app);
    expect(JSON.parse(stdout)).toEqual({ same: true, name: 'stdout', state: 'active' });
    expect(stderr).toContain('esm_works');
  });

  it('works from CommonJS with require()', async () => {
    await writeFile(
      join(app, 'cjs.cjs'),
      `const core = require('${CORE}');
const stdoutProvider = require('${STDOUT}').default;
(async () => {
  const status = await core.initTelemetry({ config: ${JSON.stringify(CONFIG)}, provider: stdoutProvider, env: {}, stdoutReserved: true, installShutdownHooks: false });
  core.getLogger('consumer.cjs').warn('cjs_works');
  await core.shutdownTelemetry({ timeoutMs: 2000 });
  process.stdout.write(JSON.stringify({ provider: core.isTelemetryProvider(stdoutProvider), state: status.state }));
})();
`,
    );
    const { stdout, stderr } = await sh(process.execPath, ['cjs.cjs'], app);
    expect(JSON.parse(stdout)).toEqual({ provider: true, state: 'active' });
    expect(stderr).toContain('cjs_works');
  });

  it('typechecks from TypeScript (ESM and CJS, moduleResolution nodenext) under tsc --noEmit', async () => {
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, include: ['*.mts', '*.cts'] }));
    await writeFile(
      join(app, 'consumer.mts'),
      `import { defineProvider, getLogger, initTelemetry, type TelemetryProvider, type TelemetryStatus } from '${CORE}';
import { createInMemoryProvider, describeProviderConformance } from '${CORE}/testing';
import stdoutProvider from '${STDOUT}';
const provider: TelemetryProvider<any> = stdoutProvider;
const name: string = provider.meta.name;
const status: Promise<TelemetryStatus> = initTelemetry({ provider: stdoutProvider, stdoutReserved: true });
getLogger('x').info('typed', { name });
const memory = createInMemoryProvider();
void memory.logs; void describeProviderConformance; void status; void defineProvider;
// @ts-expect-error levels are typed: a logger has no 'trace' method
getLogger('x').trace('nope');
`,
    );
    await writeFile(
      join(app, 'consumer.cts'),
      `import core = require('${CORE}');
import stdout = require('${STDOUT}');
const provider: core.TelemetryProvider<any> = stdout.default;
core.getLogger('cjs').warn('typed', { name: provider.meta.name });
export {};
`,
    );
    await sh(join(BIN, 'tsc'), ['-p', 'tsconfig.json'], app);
  });
});
