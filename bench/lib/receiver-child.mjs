// Runs the OTLP test receiver in its own process so its decoding cost never lands in the
// measured process. Started by lib/receiver.mjs (with tsx, since the receiver ships TS source).
// It keeps running totals and empties the receiver's arrays so a long run stays small.
import { startOtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';

const trackIds = process.argv.includes('--unique-spans');
const portsArg = process.argv.indexOf('--ports');
const behaviourArg = process.argv.indexOf('--behaviour');
const options = {};
if (portsArg > 0) {
  const [grpc, http] = process.argv[portsArg + 1].split(',').map(Number);
  options.ports = { grpc, http };
}
if (behaviourArg > 0) options.behaviour = process.argv[behaviourArg + 1];
const receiver = await startOtlpReceiver(options);
const totals = { spans: 0, metrics: 0, logs: 0, requests: 0, uniqueSpans: 0 };
const byTransport = {};
const spanIds = new Set();

function drain() {
  const spans = receiver.spans;
  totals.spans += spans.length;
  if (trackIds) for (const s of spans) spanIds.add(s.spanId);
  spans.length = 0;
  totals.metrics += receiver.metrics.length;
  receiver.metrics.length = 0;
  totals.logs += receiver.logs.length;
  receiver.logs.length = 0;
  for (const r of receiver.requests) {
    const key = `${r.transport}:${r.signal}`;
    byTransport[key] = (byTransport[key] ?? 0) + 1;
  }
  totals.requests += receiver.requests.length;
  receiver.requests.length = 0;
  totals.uniqueSpans = trackIds ? spanIds.size : totals.spans;
}
setInterval(drain, 200).unref();

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'counts') {
      drain();
      process.send({ id: msg.id, counts: { ...totals, byTransport: { ...byTransport } } });
    } else if (msg.cmd === 'reset') {
      drain();
      for (const k of Object.keys(totals)) totals[k] = 0;
      for (const k of Object.keys(byTransport)) delete byTransport[k];
      spanIds.clear();
      process.send({ id: msg.id, ok: true });
    } else if (msg.cmd === 'behaviour') {
      receiver.setBehaviour(msg.value);
      process.send({ id: msg.id, ok: true });
    } else if (msg.cmd === 'close') {
      await receiver.close();
      process.send({ id: msg.id, ok: true });
      process.exit(0);
    }
  } catch (err) {
    process.send({ id: msg.id, error: String(err?.stack ?? err) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', grpcUrl: receiver.grpcUrl, httpUrl: receiver.httpUrl });
