import { initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import { UsageError, type ParsedValues } from './argv';
import { SERVE } from './commands';
import { findConfig, loadConfigFor } from './config-file';
import { GATEWAY_VERSION, Gateway } from './gateway';
import { serveHttp, serveStdio } from './transports';

/** The port as a number, or a UsageError. */
function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`option --port must be an integer from 0 to 65535, got "${value}"`, SERVE);
  return Number(value);
}

/** `secure-mcp-gateway serve`: the gateway on stdio or Streamable HTTP, until a signal or stdin closes. */
export async function serve(values: ParsedValues): Promise<number> {
  const transport = (values.transport as 'stdio' | 'http' | undefined) ?? 'stdio';
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const port = parsePort((values.port as string | undefined) ?? '0');
  if (transport === 'stdio' && (values.host !== undefined || values.port !== undefined)) {
    throw new UsageError('--host and --port apply to --transport http only', SERVE);
  }
  const location = findConfig({ flag: values.config as string | undefined });
  if (!location.found) throw new UsageError(`${location.message} ${location.fix}`, SERVE);
  const config = loadConfigFor(SERVE, location.path);
  if (transport === 'stdio' && process.stdin.isTTY) {
    // Someone typed the command in a terminal: say what is going on (stderr: stdout is the MCP channel).
    process.stderr.write(
      `secure-mcp-gateway: serving MCP on stdin/stdout with ${location.path}; an MCP client starts this command. ` +
        'Ctrl-C stops it; "secure-mcp-gateway --help" lists the other commands.\n',
    );
  }
  // The provider is named by plugins.telemetry.provider or ENKRYPT_TELEMETRY_PROVIDER; core
  // resolves and import()s it. No provider is imported here.
  const status = await initTelemetry({
    configPath: location.path,
    stdoutReserved: transport === 'stdio',
    serviceVersion: GATEWAY_VERSION,
  });
  const gateway = new Gateway({ config, capturePayloads: status.settings?.capturePayloads ?? false });

  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      await gateway.close().catch(() => {});
      await shutdownTelemetry({ timeoutMs: 3000 }).catch(() => {});
    }
    process.exit(code);
  };
  // `on`, not `once`: core's own hook re-raises the signal when nobody else listens, which would
  // kill the process before the upstream servers are stopped.
  process.on('SIGINT', () => void stop(130));
  process.on('SIGTERM', () => void stop(143));

  if (transport === 'stdio') {
    const { closed } = await serveStdio(gateway);
    await closed;
    return stop(0);
  }
  let http;
  try {
    http = await serveHttp(gateway, { host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      await gateway.close().catch(() => {});
      await shutdownTelemetry({ timeoutMs: 3000 }).catch(() => {});
      const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : 'no such local address';
      process.stderr.write(`secure-mcp-gateway: cannot listen on ${host}:${port}: ${why}; choose another --port (0 = any free port)\n`);
      return 1;
    }
    throw error;
  }
  process.stderr.write(`secure-mcp-gateway: MCP over Streamable HTTP at ${http.url} (telemetry: ${status.state}${status.provider ? `, ${status.provider}` : ''})\n`);
  return new Promise<number>(() => {});
}
