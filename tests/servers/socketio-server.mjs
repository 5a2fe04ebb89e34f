// Test backend on Node's real socket.io@4: the same contract as mock/server.py.
//
//   node tests/servers/socketio-server.mjs --host 127.0.0.1 --api-port 0 --ws-port 0 \
//        --ready-file /tmp/ready.json [--token-ttl 60] [--data mock/degraded.json] \
//        [--ping-interval 25] [--ping-timeout 20]
//
// API port (node:http): GET /ws-token -> {"token": "..."} (CORS, exposing Retry-After) and
// the control API:
//   GET  /control/stats (token_times: arrival of each /ws-token request, Unix s, last 1000;
//        sockets: WebSocket connections opened, whether they joined a namespace or not;
//        open_sockets: those still open),
//   GET  /control/clusters,
//   POST /control/fault {"token": null|"500"|"hang"|"non-json"|"no-token"|"no-cors"|"busy",
//                        "socket": null|"reject-token"|"no-ack"|"ack-error"}
//        (keys left out are left as they are); only with "token": "busy" also
//        "retry_after": null|"<Retry-After header value, verbatim>" (null: no header) and
//        "status": null|429|503 (null: 503): /ws-token answers that status, {"error": "busy"},
//   POST /control/ack <any JSON> / DELETE /control/ack,
//   POST /control/clusters <list>, POST /control/scenario {"scenario": name} (loads
//   mock/<name>.json), POST /control/tick (no-op: this data set is fixed),
//   POST /control/expire-tokens, POST /control/reset.
// Socket.IO port: auth checked in io.use(); rejected -> next(new Error("unauthorized")).
// The ready file gets {"api_port": N, "ws_port": M} once both ports listen.

import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { Server } from "socket.io";

const HERE = dirname(fileURLToPath(import.meta.url));
const MOCK_DIR = join(HERE, "..", "..", "mock");
const TOKEN_FAULTS = [null, "500", "hang", "non-json", "no-token", "no-cors", "busy"];
const BUSY_STATUSES = [429, 503];
// What a Retry-After value may hold: printable ASCII, spaces and tabs (no CR/LF).
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
const SOCKET_FAULTS = [null, "reject-token", "no-ack", "ack-error"];
const SCENARIOS = ["operational", "degraded", "outage", "empty"];
const HANG_LIMIT_MS = 120_000;
const MAX_EMIT_TIMES = 1000;

const { values: opts } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    "api-port": { type: "string", default: "3000" },
    "ws-port": { type: "string", default: "4000" },
    "ready-file": { type: "string" },
    "token-ttl": { type: "string", default: "60" },
    data: { type: "string", default: join(MOCK_DIR, "degraded.json") },
    "ping-interval": { type: "string", default: "25" },
    "ping-timeout": { type: "string", default: "20" },
    // Accepted for command-line parity with mock/server.py; the data set here is fixed.
    scenario: { type: "string" },
    clusters: { type: "string" },
    "shards-per-cluster": { type: "string" },
    tick: { type: "string" },
    seed: { type: "string" },
  },
  strict: true,
});

const tokenTtlMs = Number(opts["token-ttl"]) * 1000;
const initialDataPath = opts.scenario ? join(MOCK_DIR, `${opts.scenario}.json`) : opts.data;
const initialData = JSON.parse(readFileSync(initialDataPath, "utf8"));

// ----------------------------------------------------------------------------- state

const state = {
  clusters: structuredClone(initialData),
  tokenFault: null,
  busy: { retryAfter: null, status: 503 }, // the "busy" token fault's answer
  socketFault: null,
  ackOverride: null, // [value] when set
  tokens: new Map(), // token -> expiry (ms since epoch)
  pendingBySocket: new Map(), // socket id -> Set of pending ack ids
  hungTokenRequests: new Set(), // functions answering hung /ws-token requests
};
let counters;

function inFlight() {
  let n = 0;
  for (const pending of state.pendingBySocket.values()) n += pending.size;
  return n;
}

function resetCounters() {
  counters = {
    emits: 0,
    sockets: 0,
    connects: 0,
    connect_rejected: 0,
    disconnects: 0,
    tokens_issued: 0,
    token_requests: 0,
    max_in_flight: inFlight(),
    last_auth: null,
    emit_times: [],
    token_times: [],
  };
}
resetCounters();

function stats() {
  return {
    ...counters,
    emit_times: [...counters.emit_times],
    token_times: [...counters.token_times],
    in_flight: inFlight(),
    open_sockets: io.engine.clientsCount,
    connected: state.pendingBySocket.size,
    token_hung: state.hungTokenRequests.size,
    faults: { token: state.tokenFault, socket: state.socketFault },
    token_busy:
      state.tokenFault === "busy"
        ? { retry_after: state.busy.retryAfter, status: state.busy.status }
        : null,
    ack_override: state.ackOverride !== null,
    evolve: false,
    server: "node",
    pid: process.pid,
  };
}

function issueToken() {
  const token = randomBytes(24).toString("base64url");
  state.tokens.set(token, Date.now() + tokenTtlMs);
  counters.tokens_issued += 1;
  return token;
}

function tokenValid(auth) {
  if (auth === null || typeof auth !== "object") return false;
  const token = auth.token;
  if (typeof token !== "string") return false;
  const expiry = state.tokens.get(token);
  return expiry !== undefined && Date.now() < expiry;
}

function releaseHungTokenRequests() {
  if (state.tokenFault === "hang") return;
  for (const answer of [...state.hungTokenRequests]) answer();
}

// ----------------------------------------------------------------------------- HTTP API

function corsHeaders(req) {
  return {
    "access-control-allow-origin": req.headers.origin ?? "*",
    "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
    "access-control-allow-headers": "content-type, authorization",
    "access-control-max-age": "600",
    "access-control-expose-headers": "Retry-After",
    vary: "Origin",
  };
}

function respond(req, res, status, body, { raw, contentType, cors = true, headers = {} } = {}) {
  if (res.writableEnded || res.destroyed) return;
  const payload = raw ?? JSON.stringify(body);
  res.writeHead(status, {
    "content-type": contentType ?? "application/json",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    ...headers,
    ...(cors ? corsHeaders(req) : {}),
  });
  res.end(payload);
}

function answerToken(req, res) {
  switch (state.tokenFault) {
    case "500":
      return respond(req, res, 500, { error: "internal server error" });
    case "non-json":
      return respond(req, res, 200, null, {
        raw: "<!doctype html><title>502 Bad Gateway</title><h1>Bad Gateway</h1>",
        contentType: "text/html; charset=utf-8",
      });
    case "no-token":
      return respond(req, res, 200, { ok: true });
    case "busy": {
      const { retryAfter, status } = state.busy;
      return respond(req, res, status, { error: "busy" }, {
        headers: retryAfter === null ? {} : { "retry-after": retryAfter },
      });
    }
    default:
      return respond(
        req,
        res,
        200,
        { token: issueToken() },
        { cors: state.tokenFault !== "no-cors" },
      );
  }
}

function handleToken(req, res) {
  counters.token_requests += 1;
  counters.token_times.push(Date.now() / 1000);
  if (counters.token_times.length > MAX_EMIT_TIMES) counters.token_times.shift();
  if (state.tokenFault !== "hang") return answerToken(req, res);
  // Answered once the fault is cleared, or after HANG_LIMIT_MS at the latest.
  const answer = () => {
    clearTimeout(timer);
    state.hungTokenRequests.delete(answer);
    answerToken(req, res);
  };
  const timer = setTimeout(answer, HANG_LIMIT_MS);
  state.hungTokenRequests.add(answer);
  res.on("close", () => {
    clearTimeout(timer);
    state.hungTokenRequests.delete(answer);
  });
}

class BadRequest extends Error {}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("error", reject);
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve(null);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new BadRequest(`body is not JSON: ${err.message}`));
      }
    });
  });
}

// The "busy" token fault's answer from a fault body: retry_after and status only
// come with {"token": "busy"}.
function parseBusy(body) {
  const given = ["retry_after", "status"].filter((key) => key in body);
  if (body.token !== "busy") {
    if (given.length > 0) {
      throw new BadRequest(`${given.join(" and ")} only go with {"token": "busy"}`);
    }
    return { retryAfter: null, status: 503 };
  }
  const retryAfter = body.retry_after ?? null;
  if (retryAfter !== null && (typeof retryAfter !== "string" || !HEADER_VALUE.test(retryAfter))) {
    throw new BadRequest("retry_after must be null or a string of printable ASCII");
  }
  const status = body.status ?? 503;
  if (!BUSY_STATUSES.includes(status)) {
    throw new BadRequest(`status must be one of ${JSON.stringify(BUSY_STATUSES)}`);
  }
  return { retryAfter, status };
}

function control(method, name, body) {
  const route = `${method} ${name}`;
  switch (route) {
    case "POST fault": {
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw new BadRequest("fault body must be an object");
      }
      const busy = parseBusy(body);
      if ("token" in body && !TOKEN_FAULTS.includes(body.token)) {
        throw new BadRequest(`token fault must be one of ${JSON.stringify(TOKEN_FAULTS)}`);
      }
      if ("socket" in body && !SOCKET_FAULTS.includes(body.socket)) {
        throw new BadRequest(`socket fault must be one of ${JSON.stringify(SOCKET_FAULTS)}`);
      }
      if ("token" in body) {
        state.tokenFault = body.token;
        state.busy = busy;
      }
      if ("socket" in body) state.socketFault = body.socket;
      break;
    }
    case "POST ack":
      state.ackOverride = [body];
      break;
    case "DELETE ack":
      state.ackOverride = null;
      break;
    case "POST clusters":
      if (!Array.isArray(body)) throw new BadRequest("clusters body must be a list");
      state.clusters = body;
      break;
    case "POST scenario": {
      const scenario = body?.scenario;
      if (!SCENARIOS.includes(scenario)) {
        throw new BadRequest(`scenario must be one of ${JSON.stringify(SCENARIOS)}`);
      }
      state.clusters = JSON.parse(readFileSync(join(MOCK_DIR, `${scenario}.json`), "utf8"));
      break;
    }
    case "POST tick":
      break;
    case "POST expire-tokens":
      for (const token of state.tokens.keys()) state.tokens.set(token, 0);
      break;
    case "POST reset":
      state.tokenFault = null;
      state.busy = { retryAfter: null, status: 503 };
      state.socketFault = null;
      state.ackOverride = null;
      state.tokens.clear();
      state.clusters = structuredClone(initialData);
      resetCounters();
      break;
    default:
      return false;
  }
  releaseHungTokenRequests();
  return true;
}

const apiServer = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  try {
    if (method === "OPTIONS") {
      res.writeHead(204, corsHeaders(req));
      return res.end();
    }
    if (url.pathname === "/ws-token" && method === "GET") return handleToken(req, res);
    if (url.pathname.startsWith("/control/")) {
      const name = url.pathname.slice("/control/".length);
      if (method === "GET" && name === "stats") return respond(req, res, 200, stats());
      if (method === "GET" && name === "clusters") return respond(req, res, 200, state.clusters);
      const body = method === "POST" || method === "PUT" ? await readJson(req) : null;
      if (!control(method, name, body)) {
        return respond(req, res, 404, { error: `no control route ${method} ${name}` });
      }
      return respond(req, res, 200, { ok: true, stats: stats() });
    }
    if (url.pathname === "/" || url.pathname === "/healthz") {
      return respond(req, res, 200, { ok: true });
    }
    return respond(req, res, 404, { error: `no route ${method} ${url.pathname}` });
  } catch (err) {
    if (err instanceof BadRequest) return respond(req, res, 400, { error: err.message });
    console.error(err);
    return respond(req, res, 500, { error: String(err) });
  }
});

// ----------------------------------------------------------------------------- Socket.IO

const wsServer = createServer((req, res) => {
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found");
});

const io = new Server(wsServer, {
  cors: { origin: true },
  pingInterval: Number(opts["ping-interval"]) * 1000,
  pingTimeout: Number(opts["ping-timeout"]) * 1000,
});

io.use((socket, next) => {
  const auth = socket.handshake.auth;
  counters.last_auth = auth ?? null;
  if (state.socketFault === "reject-token" || !tokenValid(auth)) {
    counters.connect_rejected += 1;
    return next(new Error("unauthorized"));
  }
  return next();
});

io.engine.on("connection", () => { counters.sockets += 1; });

let nextAckId = 1;
io.on("connection", (socket) => {
  counters.connects += 1;
  const pending = new Set();
  state.pendingBySocket.set(socket.id, pending);
  socket.on("disconnect", () => {
    counters.disconnects += 1;
    // Acks for a socket that is gone will never be answered: stop counting them.
    state.pendingBySocket.delete(socket.id);
  });
  socket.on("get-cluster-status", (...args) => {
    counters.emits += 1;
    counters.emit_times.push(Date.now() / 1000);
    if (counters.emit_times.length > MAX_EMIT_TIMES) counters.emit_times.shift();
    const ack = typeof args.at(-1) === "function" ? args.pop() : null;
    if (ack === null) return;
    if (state.socketFault === "no-ack") {
      pending.add(nextAckId++);
      counters.max_in_flight = Math.max(counters.max_in_flight, inFlight());
      return; // never answered
    }
    counters.max_in_flight = Math.max(counters.max_in_flight, inFlight() + 1);
    if (state.socketFault === "ack-error") {
      ack({ success: false, error: "cluster manager unavailable" });
    } else if (state.ackOverride !== null) {
      ack(state.ackOverride[0]);
    } else {
      ack({ success: true, data: state.clusters });
    }
  });
});

// ----------------------------------------------------------------------------- serving

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, opts.host, () => {
      server.off("error", reject);
      resolve(server.address().port);
    });
  });
}

function shutdown() {
  for (const answer of [...state.hungTokenRequests]) answer();
  io.close();
  apiServer.closeAllConnections();
  apiServer.close();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

try {
  const apiPort = await listen(apiServer, Number(opts["api-port"]));
  const wsPort = await listen(wsServer, Number(opts["ws-port"]));
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  console.log(
    `statuspage socket.io test server: token http://${host}:${apiPort}/ws-token` +
      `  socket.io http://${host}:${wsPort}`,
  );
  if (opts["ready-file"]) {
    const tmp = `${opts["ready-file"]}.tmp`;
    writeFileSync(tmp, JSON.stringify({ api_port: apiPort, ws_port: wsPort }));
    renameSync(tmp, opts["ready-file"]);
  }
} catch (err) {
  console.error(`socket.io test server: ${err.message}`);
  process.exit(1);
}
