export { createMcpInstrumentation, instrumentClient, instrumentServer } from './instrumentation.js';
export type {
  ConnectableLike,
  McpEndpointLike,
  McpEndpointOptions,
  McpInstrumentation,
  McpInstrumentationConfig,
} from './instrumentation.js';
export type { TransportLike } from './transport.js';
export type { Role } from './endpoint.js';
export { getMcpOperation, setExecuteToolSpan, withHttpPeer } from './context.js';
export type { HttpPeer, HttpPeerSource, McpOperation } from './context.js';
export type { TargetKind, TargetNamePolicy } from './names.js';
export type { RedactFn } from './capture.js';
export { CAPTURE_ENV } from './capture.js';
export { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './telemetry.js';
