// The gateway's building blocks, for the demo, the tests and anyone embedding it.
export { GatewayConfigError, loadConfig, parseConfig, serversForProject } from './config';
export type { GatewaySections, GuardrailPolicy, LoadedGatewayConfig, ServerConfig } from './config';
export {
  GATEWAY_KEY_ENV,
  GATEWAY_KEY_HEADERS,
  GATEWAY_NAME,
  GATEWAY_VERSION,
  Gateway,
  GatewayError,
  OTHER_TOOL,
  STEP_SPANS,
  SessionLimitError,
  UPSTREAM_TRACE_META_KEY,
  keyFromHeaders,
} from './gateway';
export type { GatewayOptions, Session, TransportKind } from './gateway';
export { LocalPolicyEngine, redactPii } from './guardrails';
export type { GuardrailEngine, GuardrailVerdict, InputCheck, OutputCheck, Violation, ViolationType } from './guardrails';
export { OperationTimeoutError, TimeoutManager } from './timeouts';
export { GATEWAY_TOOLS } from './tools';
export { serveHttp, serveStdio } from './transports';
export type { HttpGateway } from './transports';
