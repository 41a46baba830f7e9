// Public surface of @secure-mcp-gateway/create-telemetry-provider. Named exports only.
export { scaffoldProvider, CORE_RANGE } from './scaffold';
export type { ScaffoldOptions, ScaffoldResult } from './scaffold';
export { providerNames, OFFICIAL_SCOPE, PROVIDER_PREFIX } from './names';
export type { ProviderNames } from './names';
