#!/usr/bin/env node
/**
 * demo-gateway [--config FILE] [--transport stdio|http] [--host 127.0.0.1] [--port N]
 *
 * stdio: MCP on stdin/stdout (stdout carries JSON-RPC only), key in ENKRYPT_GATEWAY_KEY.
 * http:  Streamable HTTP at http://HOST:PORT/mcp, key in the `apikey` header.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import { GatewayConfigError, loadConfig } from './config';
import { GATEWAY_VERSION, Gateway } from './gateway';
import { serveHttp, serveStdio } from './transports';

function defaultConfigPath(): string {
  const candidates = [
    process.env.ENKRYPT_MCP_CONFIG,
    path.resolve('enkrypt_mcp_config.json'),
    path.join(process.env.HOME ?? '', '.enkrypt', 'enkrypt_mcp_config.json'),
  ].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p)) ?? candidates[0] ?? 'enkrypt_mcp_config.json';
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c' },
      transport: { type: 'string', short: 't', default: 'stdio' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', short: 'p', default: '0' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stderr.write('usage: demo-gateway [--config FILE] [--transport stdio|http] [--host HOST] [--port PORT]\n');
    return 0;
  }
  const transport = values.transport;
  if (transport !== 'stdio' && transport !== 'http') {
    process.stderr.write(`demo-gateway: --transport must be "stdio" or "http", got "${transport}"\n`);
    return 2;
  }
  const configPath = path.resolve(values.config ?? defaultConfigPath());
  let config;
  try {
    config = loadConfig(configPath);
  } catch (error) {
    if (error instanceof GatewayConfigError) {
      process.stderr.write(`demo-gateway: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // The provider is named by plugins.telemetry.provider or ENKRYPT_TELEMETRY_PROVIDER; core
  // resolves and import()s it. No provider is imported here.
  const status = await initTelemetry({
    configPath,
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
  const http = await serveHttp(gateway, { host: values.host, port: Number(values.port) });
  process.stderr.write(`secure-mcp-gateway: MCP over Streamable HTTP at ${http.url} (telemetry: ${status.state}${status.provider ? `, ${status.provider}` : ''})\n`);
  return new Promise<number>(() => {});
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo-gateway: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
