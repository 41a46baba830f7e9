#!/usr/bin/env node
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { OFFICIAL_SCOPE } from './names';
import { scaffoldProvider } from './scaffold';

const USAGE = `Usage: create-telemetry-provider <name> [directory] [--core <spec>] [--description <text>] [--force]

  name       foo                            -> @secure-mcp-gateway/telemetry-provider-foo  (config: "foo")
             @acme/foo                      -> @acme/telemetry-provider-foo                (config: "@acme/foo")
             @acme/telemetry-provider-foo   -> the same
  directory  where to write it (default ./telemetry-provider-<name>)
  --core     the devDependency spec for @secure-mcp-gateway/telemetry-core (default: the supported range)
  --force    write into a folder that is not empty

  pnpm create @secure-mcp-gateway/telemetry-provider @acme/foo
  npm init @secure-mcp-gateway/telemetry-provider @acme/foo`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      core: { type: 'string' },
      description: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let name = positionals[0];
  if (!name && process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    name = (await rl.question('Provider name (e.g. @acme/foo): ')).trim();
    rl.close();
  }
  if (!name) {
    process.stderr.write(`create-telemetry-provider: a provider name is required.\n\n${USAGE}\n`);
    return 1;
  }
  const result = await scaffoldProvider({
    name,
    directory: positionals[1],
    coreSpec: values.core,
    description: values.description,
    force: values.force,
  });
  const where = relative(process.cwd(), result.directory) || '.';
  process.stdout.write(
    [
      `Created ${result.packageName} in ${where}`,
      '',
      'Next:',
      `  cd ${where}`,
      '  npm install',
      '  npm test        # builds, runs the conformance suite, loads it by name',
      '',
      `Users name it in enkrypt_mcp_config.json as  "provider": "${result.shortName}"`,
      ...(result.packageName.startsWith(`${OFFICIAL_SCOPE}/`)
        ? ['', `Note: ${OFFICIAL_SCOPE} is this project's own scope. To publish it yourself, use yours: @acme/${result.base}`]
        : []),
      '',
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`create-telemetry-provider: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
