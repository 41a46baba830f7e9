// Writes schema/enkrypt_mcp_config.schema.json from the zod schema (the single source).
// Run via `pnpm --filter @secure-mcp-gateway/telemetry-core generate` (builds first).
import { mkdirSync, writeFileSync } from 'node:fs';
import { gatewayConfigJsonSchema } from '../dist/index.js';

const target = new URL('../schema/enkrypt_mcp_config.schema.json', import.meta.url);
mkdirSync(new URL('.', target), { recursive: true });
writeFileSync(target, `${JSON.stringify(gatewayConfigJsonSchema(), null, 2)}\n`);
process.stderr.write(`wrote ${target.pathname}\n`);
