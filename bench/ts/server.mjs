// The MCP TypeScript SDK's stateless streamable-HTTP server with the same
// simpleadd tool as knowledge-mcp: a contender in bench/run.sh.
//
// It follows the SDK's own example (src/examples/server/simpleStatelessStreamableHttp.ts):
// createMcpExpressApp() (express 5, express.json(), localhost Host validation)
// and a new McpServer + StreamableHTTPServerTransport per request, as the SDK
// requires in stateless mode. enableJsonResponse answers with
// application/json, like knowledge-mcp does for this request.
//
// Usage: node server.mjs PORT
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import * as z from 'zod/v4';

const getServer = () => {
  const server = new McpServer({ name: 'bench-ts', version: '1.0.0' });
  server.registerTool('simpleadd', {
    title: 'Add two numbers',
    description: 'Adds two numbers and returns the sum.',
    inputSchema: { a: z.number(), b: z.number() },
    outputSchema: { sum: z.number() },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  }, async ({ a, b }) => {
    const sum = a + b;
    return { content: [{ type: 'text', text: String(sum) }], structuredContent: { sum } };
  });
  return server;
};

const app = createMcpExpressApp();
app.post('/mcp', async (req, res) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    res.on('close', () => {
      transport.close();
      server.close();
    });
  } catch (error) {
    console.error('Error handling MCP request:', error);
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

const port = Number(process.argv[2] || 3000);
app.listen(port, '127.0.0.1', (error) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
});
