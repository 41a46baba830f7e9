// The gateway's building blocks, for the demo, the tests and anyone embedding it.
export { GatewayConfigError, loadConfig, parseConfig, serversForProject } from './config';
export type { GatewaySections, GuardrailPolicy, LoadedGatewayConfig, ServerConfig } from './config';
export { GATEWAY_KEY_HEADERS, GatewayKeyStore, keyFromHeaders } from './key-store';
export type { KeyGrant } from './key-store';
export { SessionTable } from './session-table';
export type { SessionLimits, SessionRefusal } from './session-table';
export { AuthBackoff } from './auth-backoff';
export { BodyTooLargeError, readJsonBody } from './body-reader';
export {
  GATEWAY_KEY_ENV,
  GATEWAY_NAME,
  GATEWAY_VERSION,
  Gateway,
  GatewayError,
  OTHER_TOOL,
  STEP_SPANS,
  SessionLimitError,
  UPSTREAM_TRACE_META_KEY,
} from './gateway';
export type { GatewayOptions, Session, TransportKind } from './gateway';
export { LocalPolicyEngine, ScanBudgetError, redactPii } from './guardrails';
export { PII_PATTERNS, redactPiiText } from './pii';
export type { GuardrailEngine, GuardrailVerdict, InputCheck, OutputCheck, Violation, ViolationType } from './guardrails';
export { OperationTimeoutError, TimeoutManager } from './timeouts';
export { GATEWAY_TOOLS } from './tools';
export { serveHttp, serveStdio } from './transports';
export type { HttpGateway } from './transports';
