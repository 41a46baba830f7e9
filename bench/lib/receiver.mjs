// Starts @secure-mcp-gateway/otlp-test-receiver in a separate process and talks to it over IPC.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { benchDir } from './common.mjs';

const tsxLoader = import.meta.resolve('tsx');

/**
 * @returns {Promise<{ grpcUrl: string, httpUrl: string, pid: number,
 *   counts(): Promise<{spans:number,uniqueSpans:number,metrics:number,logs:number,requests:number,byTransport:Record<string,number>}>,
 *   reset(): Promise<void>, setBehaviour(b: string): Promise<void>, stop(): Promise<void>, kill(): void }>}
 */
export async function startReceiverProcess({ uniqueSpans = false, timeoutMs = 30_000, nice = 0, ports, behaviour } = {}) {
  const args = [path.join(benchDir, 'lib', 'receiver-child.mjs')];
  if (uniqueSpans) args.push('--unique-spans');
  if (ports) args.push('--ports', `${ports.grpc},${ports.http}`);
  if (behaviour) args.push('--behaviour', behaviour);
  const child = spawn(process.execPath, ['--import', tsxLoader, ...args], { cwd: benchDir, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  // A low priority stands in for "the collector runs on another machine": on a 2-core box its
  // decoding would otherwise take CPU from the gateway under test.
  if (nice) {
    try {
      os.setPriority(child.pid, nice);
    } catch {
      /* not permitted: run at normal priority */
    }
  }
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-5000);
  });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`OTLP receiver did not start within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    child.on('message', (msg) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve(msg);
      } else if (pending.has(msg.id)) {
        const { resolve: res, reject: rej } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) rej(new Error(msg.error));
        else res(msg);
      }
    });
    child.on('exit', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      reject(new Error(`OTLP receiver exited (${code ?? signal})\n${stderr}`));
      for (const { reject: rej } of pending.values()) rej(new Error('OTLP receiver exited'));
      pending.clear();
    });
  });
  const info = await ready;
  const call = (cmd, extra = {}) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error('OTLP receiver is not running'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ cmd, id, ...extra });
    });
  return {
    grpcUrl: info.grpcUrl,
    httpUrl: info.httpUrl,
    ports: { grpc: Number(new URL(info.grpcUrl).port), http: Number(new URL(info.httpUrl).port) },
    pid: child.pid,
    counts: async () => (await call('counts')).counts,
    reset: async () => void (await call('reset')),
    setBehaviour: async (value) => void (await call('behaviour', { value })),
    /** Closes the receiver and ends its process. */
    stop: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      await call('close').catch(() => {});
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (!exited) child.kill('SIGKILL');
    },
    /** Ends the receiver abruptly (a collector that crashed): its ports then refuse connections. */
    kill: () => {
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** Polls the receiver until `predicate(counts)` holds or `timeoutMs` passes; returns the last counts. */
export async function waitForCounts(receiver, predicate, { timeoutMs = 10_000, intervalMs = 50, settleMs = 0 } = {}) {
  const start = Date.now();
  let counts = await receiver.counts();
  while (!predicate(counts) && Date.now() - start < timeoutMs) {
    await new Promise((r) => setTimeout(r, intervalMs));
    counts = await receiver.counts();
  }
  if (settleMs > 0) {
    await new Promise((r) => setTimeout(r, settleMs));
    counts = await receiver.counts();
  }
  return counts;
}

/**
 * Polls until `key` reaches `target`, or has not grown for `stableMs` (drops were silent or
 * counted), or `timeoutMs` passes. Returns the last counts.
 */
export async function waitUntilStable(receiver, key, target, { stableMs = 400, timeoutMs = 10_000, intervalMs = 50 } = {}) {
  const start = Date.now();
  let counts = await receiver.counts();
  let last = counts[key];
  let lastChange = Date.now();
  while (counts[key] < target && Date.now() - start < timeoutMs && Date.now() - lastChange < stableMs) {
    await new Promise((r) => setTimeout(r, intervalMs));
    counts = await receiver.counts();
    if (counts[key] !== last) {
      last = counts[key];
      lastChange = Date.now();
    }
  }
  return counts;
}
