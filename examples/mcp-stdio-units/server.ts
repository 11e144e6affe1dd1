/**
 * Example MCP server (stdio) added to Hearth as a skill. Its tools are discovered through MCP's
 * tools/list; no tool list in skill.json.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

/** Factors to metres, grams or litres. */
const factors: Record<string, number> = {
  m: 1,
  km: 1000,
  mi: 1609.344,
  ft: 0.3048,
  in: 0.0254,
  g: 1,
  kg: 1000,
  lb: 453.59237,
  l: 1,
  gal: 3.785411784,
};

const server = new McpServer({ name: 'units', version: '1.0.0' });
server.registerTool(
  'convert_units',
  {
    description: 'Convert a value between units of length, mass or volume (m, km, mi, ft, in, g, kg, lb, l, gal)',
    inputSchema: { value: z.number(), from: z.string(), to: z.string() },
  },
  async ({ value, from, to }) => {
    const a = factors[from];
    const b = factors[to];
    if (a === undefined || b === undefined)
      return { content: [{ type: 'text', text: `unknown unit ${a === undefined ? from : to}` }], isError: true };
    const result = Number(((value * a) / b).toPrecision(10));
    return { content: [{ type: 'text', text: `${value} ${from} = ${result} ${to} (mcp skill)` }] };
  },
);

await server.connect(new StdioServerTransport());
