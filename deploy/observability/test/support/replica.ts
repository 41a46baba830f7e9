/**
 * One demo gateway replica: the built CLI (the package's `demo-gateway` bin) in its own process,
 * MCP over Streamable HTTP on 127.0.0.1 port 0, the OpenTelemetry provider's Prometheus endpoint
 * on port 0, its identity in OTEL_RESOURCE_ATTRIBUTES. Treated as a black box: what the test
 * knows of it comes from its stderr, its sockets and its endpoints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { stackPath } from '../helpers.ts';
import { FatalWaitError, waitFor } from './wait.ts';

export const GATEWAY_PACKAGE = stackPath('node_modules/@secure-mcp-gateway/demo-gateway');

export interface Replica {
  /** Its `service.instance.id`, also its `instance` label in Prometheus. */
  readonly instanceId: string;
  readonly mcpUrl: string;
  /** `127.0.0.1:PORT` of its Prometheus endpoint (`/metrics`). */
  readonly metricsAddress: string;
  readonly pid: number;
  stderr(): string;
  /** SIGKILL: a crash, nothing flushed. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** The TCP ports a process listens on, from /proc (its socket inodes matched against the kernel's table). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // the descriptor closed while we looked
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is the 10th field.
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports];
}

export async function startReplica(options: { instanceId: string; configFile: string; env?: Record<string, string> }): Promise<Replica> {
  const bin = (JSON.parse(readFileSync(path.join(GATEWAY_PACKAGE, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['demo-gateway']!;
  const child: ChildProcess = spawn(process.execPath, [path.join(GATEWAY_PACKAGE, bin), '--config', options.configFile, '--transport', 'http', '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // Core finds the provider from the working directory, as in the deployed image.
    cwd: GATEWAY_PACKAGE,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OTEL_|ENKRYPT_)/.test(k))),
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${options.instanceId}`,
      ...options.env,
    },
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new FatalWaitError(`replica ${options.instanceId} exited (${child.exitCode ?? child.signalCode}):\n${log}`);
  };

  const mcpUrl = await waitFor(`replica ${options.instanceId} to announce its MCP URL on stderr`, async () => {
    alive();
    return /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(log)?.[1];
  }, 30_000);
  if (!/telemetry: active/.test(log)) throw new Error(`replica ${options.instanceId} started without active telemetry:\n${log}`);
  const mcpPort = Number(new URL(mcpUrl).port);
  // prometheus_port 0: the endpoint is the one other listening socket that serves /metrics.
  const metricsAddress = await waitFor(`replica ${options.instanceId}'s Prometheus endpoint`, async () => {
    alive();
    for (const port of listeningPorts(child.pid!).filter((p) => p !== mcpPort)) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
      if (res?.ok && /^# (HELP|TYPE) /m.test(await res.text())) return `127.0.0.1:${port}`;
    }
    return undefined;
  });

  const stop = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return {
    instanceId: options.instanceId,
    mcpUrl,
    metricsAddress,
    pid: child.pid!,
    stderr: () => log,
    kill: () => stop('SIGKILL', 5_000),
    stop: () => stop('SIGTERM', 8_000),
  };
}
