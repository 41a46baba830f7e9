// esbuild inlines just these fields, so the published values are always the package's own:
// the core range follows the peer dependency, so a core release cannot leave it stale.
import { peerDependencies, version } from '../package.json';

export const VERSION: string = version;
export const CORE_RANGE: string = peerDependencies['@secure-mcp-gateway/telemetry-core'];
