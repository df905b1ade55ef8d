// A real MCP server for the actions tests, built with the official TypeScript SDK over Streamable
// HTTP on 127.0.0.1. /mcp answers requests as SSE streams, /mcp-json as JSON (enableJsonResponse).
// Tools: record (stores its arguments), fail (a tool error: isError). The high-level McpServer
// answers an unknown tool with a tool error too; /mcp-strict is the SDK's low-level Server, whose
// handler refuses an unknown tool with a JSON-RPC error (McpError, -32602).
// GET /calls lists what the tools received, with the Authorization header.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { isInitializeRequest, CallToolRequestSchema, ListToolsRequestSchema, McpError, ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

const calls = [];
const sessions = new Map();

function newServer(authorization) {
  const server = new McpServer({ name: "kos-test-mcp", version: "1.0.0" });
  server.registerTool("record", {
    description: "stores its arguments",
    inputSchema: { message: z.string(), agent_id: z.string().optional(), score: z.number().optional(), file: z.string().optional() },
  }, async (args, extra) => {
    calls.push({ tool: "record", args, authorization: authorization.value, session: extra.sessionId ?? null });
    return { content: [{ type: "text", text: "recorded" }] };
  });
  server.registerTool("fail", { description: "always a tool error", inputSchema: { message: z.string().optional() } }, async () => {
    calls.push({ tool: "fail", authorization: authorization.value });
    return { content: [{ type: "text", text: "the tool refused" }], isError: true };
  });
  return server;
}

function strictServer(authorization) {
  const server = new Server({ name: "kos-test-mcp-strict", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: "record", description: "stores its arguments", inputSchema: { type: "object" } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    if (request.params.name !== "record") {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    }
    calls.push({ tool: "record", args: request.params.arguments, authorization: authorization.value });
    return { content: [{ type: "text", text: "recorded" }] };
  });
  return server;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

const httpServer = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/calls") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(calls));
      return;
    }
    if (!["/mcp", "/mcp-json", "/mcp-strict"].includes(url.pathname)) {
      res.writeHead(404).end();
      return;
    }
    const body = req.method === "POST" ? await readBody(req) : undefined;
    const sessionId = req.headers["mcp-session-id"];
    let entry = sessionId ? sessions.get(sessionId) : undefined;
    if (!entry) {
      if (req.method !== "POST" || !isInitializeRequest(body)) {
        res.writeHead(sessionId ? 404 : 400, { "content-type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "no valid session" }, id: null }));
        return;
      }
      const authorization = { value: req.headers["authorization"] ?? null };
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: url.pathname === "/mcp-json",
        onsessioninitialized: (id) => sessions.set(id, { transport, authorization }),
      });
      transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
      await (url.pathname === "/mcp-strict" ? strictServer(authorization) : newServer(authorization)).connect(transport);
      entry = { transport, authorization };
    }
    await entry.transport.handleRequest(req, res, body);
  } catch (e) {
    if (!res.headersSent) res.writeHead(500).end(String(e));
  }
});

httpServer.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.log("listening " + httpServer.address().port);
});
