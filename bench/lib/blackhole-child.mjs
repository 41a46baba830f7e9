// A TCP port that never answers: listen with the smallest backlog, then block this process's
// event loop so nothing is ever accepted. Once the parent fills the accept queue, the kernel
// drops further SYNs and a connect() hangs — a black-holed collector, on loopback.
import net from 'node:net';

const server = net.createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.send({ port: server.address().port }, () => {
    process.disconnect();
    // Block forever (until killed): the listening socket stays open, nothing is accepted.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
});
