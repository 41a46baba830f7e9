// Public surface of @secure-mcp-gateway/telemetry-provider-stdout. Named exports, plus the
// provider object as the default export (what core's loader imports).
import { stdoutProvider } from './provider';

export { stdoutProvider } from './provider';
export { stdoutConfigSchema } from './config';
export type { StdoutFormat, StdoutProviderConfig } from './config';

export default stdoutProvider;
