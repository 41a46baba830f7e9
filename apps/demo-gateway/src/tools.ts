import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** The Python gateway's tools: argument schemas (zod, the single source) and their MCP descriptions. */
export const toolSchemas = {
  enkrypt_list_all_servers: z.strictObject({
    discover_tools: z.boolean().optional().describe('Also discover each server\'s tools (cached).'),
  }),
  enkrypt_get_server_info: z.strictObject({
    server_name: z.string().min(1).describe('A server_name from enkrypt_list_all_servers.'),
  }),
  enkrypt_discover_all_tools: z.strictObject({
    server_name: z.string().min(1).optional().describe('One server; all of the project\'s servers when omitted.'),
  }),
  enkrypt_secure_call_tools: z.strictObject({
    server_name: z.string().min(1).describe('The upstream server to call.'),
    tool_calls: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe('The upstream tool name.'),
          args: z.record(z.string(), z.unknown()).optional().describe('The tool\'s arguments.'),
        }),
      )
      .min(1)
      .max(20)
      .describe('Tool calls, run in order, each through guardrails.'),
  }),
  enkrypt_get_cache_status: z.strictObject({}),
  enkrypt_clear_cache: z.strictObject({
    server_name: z.string().min(1).optional().describe('Only this server\'s tool cache.'),
    cache_type: z.enum(['tools', 'servers', 'all']).optional().describe('Which cache (default all).'),
  }),
  enkrypt_get_timeout_metrics: z.strictObject({}),
} as const;

export type GatewayToolName = keyof typeof toolSchemas;

const descriptions: Record<GatewayToolName, string> = {
  enkrypt_list_all_servers: 'List the MCP servers this gateway key may use.',
  enkrypt_get_server_info: 'Describe one server: command, guardrail policies, timeout budget, cached tools.',
  enkrypt_discover_all_tools: 'Discover the tools of one or all servers (results are cached with a TTL).',
  enkrypt_secure_call_tools:
    'Call one or more tools on a server through the gateway: input guardrails, the upstream call under a timeout budget, output guardrails and PII redaction.',
  enkrypt_get_cache_status: 'Show the tool and server caches: entries, age, TTL, hits and misses.',
  enkrypt_clear_cache: 'Clear the tool cache (one server or all) and/or the server cache.',
  enkrypt_get_timeout_metrics: 'Show timeout statistics per operation: totals, escalations (warn/timeout/fail), durations.',
};

export const GATEWAY_TOOLS: Tool[] = (Object.keys(toolSchemas) as GatewayToolName[]).map((name) => {
  const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(toolSchemas[name], { io: 'input' }) as Record<string, unknown>;
  return { name, description: descriptions[name], inputSchema: { ...inputSchema, type: 'object' } as Tool['inputSchema'] };
});
