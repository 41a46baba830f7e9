// Starts a black-holed loopback port (see blackhole-child.mjs) and fills its accept queue.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { benchDir } from './common.mjs';

function tryConnect(port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => resolve({ connected: false, socket }), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ connected: true, socket });
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve({ connected: false, socket, error: true });
    });
  });
}

/** @returns {Promise<{ port: number, close(): void }>} a port whose connects hang. */
export async function startBlackhole() {
  const child = spawn(process.execPath, [path.join(benchDir, 'lib', 'blackhole-child.mjs')], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const port = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.port));
    child.once('exit', (c) => reject(new Error(`black-hole child exited ${c}`)));
  });
  const fillers = [];
  for (let i = 0; i < 16; i++) {
    const r = await tryConnect(port, 300);
    if (!r.connected) {
      r.socket.destroy();
      const close = () => {
        for (const s of fillers) s.destroy();
        child.kill('SIGKILL');
      };
      return { port, close };
    }
    fillers.push(r.socket);
  }
  for (const s of fillers) s.destroy();
  child.kill('SIGKILL');
  throw new Error('could not fill the accept queue of the black-hole port');
}
