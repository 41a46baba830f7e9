export { ConfigError, type ConfigIssue } from './errors';
export { ensureParsedConfig, loadGatewayConfig, parseGatewayConfig } from './load';
export { DEFAULT_TELEMETRY_SETTINGS, resolveTelemetrySettings, warnAboutVariable, type ResolveSettingsOptions } from './resolve';
export { gatewayConfigJsonSchema, gatewayConfigSchema, telemetryConfigSchema, type GatewayConfig, type TelemetryFileConfig } from './schema';
