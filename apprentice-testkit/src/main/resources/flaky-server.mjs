// A small MCP server for apprentice's tests (copied next to node_modules at test time): it can crash on
// request and add a tool at run time, which makes the SDK send notifications/tools/list_changed.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "flaky", version: "1.0.0" });
server.registerTool("add", { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } },
  async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
server.registerTool("crash", { description: "Exits the server process", inputSchema: {} },
  async () => { process.exit(3); });
server.registerTool("grow", { description: "Adds a tool named extra", inputSchema: {} }, async () => {
  server.registerTool("extra", { description: "Appeared later", inputSchema: {} },
    async () => ({ content: [{ type: "text", text: "extra works" }] }));
  return { content: [{ type: "text", text: "grown" }] };
});
await server.connect(new StdioServerTransport());
