/** An MCP server over streamable HTTP, added from config (`skills.mcp.<name>.url`), used as a skill. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { call, ctx, startTestHost, type TestHost } from './host-fixture.js';

/** A stateless MCP server: one McpServer + transport per request, as the SDK documents. */
function startMcpHttp(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const mcp = new McpServer({ name: 'reverse', version: '1.0.0' });
    mcp.registerTool(
      'reverse_text',
      { description: 'Reverse a text', inputSchema: { text: z.string() } },
      async ({ text }) => ({
        content: [{ type: 'text', text: [...text].reverse().join('') }],
      }),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => void transport.handleRequest(req, res, body ? JSON.parse(body) : undefined));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

describe('MCP over streamable HTTP', () => {
  let server: Server;
  let t: TestHost;

  before(async () => {
    server = await startMcpHttp();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    t = await startTestHost({ mcp: { reverse: { url, triggers: ['reverse'] } } });
  });

  after(async () => {
    await t?.close();
    server.closeAllConnections();
    server.close();
  });

  it('lists the server tools and calls them', async () => {
    assert.equal(t.host.get('reverse')?.state, 'ready', JSON.stringify(t.host.get('reverse')));
    assert.deepEqual(t.host.get('reverse')?.tools, ['reverse_text']);
    assert.ok(t.host.toolsFor(['reverse'], 'please reverse this').some((s) => s.name === 'reverse_text'));
    assert.equal(t.host.toolsFor(['reverse'], 'hello').length, 0);
    assert.equal((await t.host.execute(call('reverse_text', { text: 'hearth' }), ctx())).content, 'htraeh');
  });
});
