"use strict";
// The live connection's head start: its first token request and its first WebSocket,
// made as PyScript's worker starts, while Pyodide is still downloading and booting
// (app/model/head_start.py says why and what may be used). tools/build.py bundles this
// file with the build's facts ("statuspage-head-start": the worker global's name, the
// token URL and how the token is asked for, the engine.io WebSocket URL and the socket's
// events Python handles, all written by Python) and puts it at the top of PyScript's
// worker (tools/runtime_patches.py); only builds that connect have it.
//
// Everything is kept until Python claims it (app/runtime/head_start.py), once each: the
// socket with every event it received meanwhile (Python replays them in order, in the
// same step as it adds its own listeners), and the token request's promise with how long
// ago it was answered. Nothing here speaks engine.io or Socket.IO: the socket's frames
// wait, untouched, for Python's engine.io client.
import facts from "statuspage-head-start";

const received = [];
const keep = event => { received.push(event); };

let socket = null;
try {
  socket = new WebSocket(facts.socketUrl);
  socket.binaryType = "arraybuffer";
  for (const kind of facts.socketEvents) socket.addEventListener(kind, keep);
} catch (_) {
  socket = null;  // Python's first attempt opens its own, and reports what fails
}

let token = fetch(facts.tokenUrl, facts.tokenRequest);
let answeredAt = null;
const answered = () => { answeredAt = performance.now(); };
token.then(answered, answered);  // (a failure, too, is Python's to report)

self[facts.global] = Object.freeze({
  tokenUrl: facts.tokenUrl,
  socketUrl: facts.socketUrl,
  // [the promise of the Response, ms since it settled or null while under way]; null
  // once claimed.
  claimToken() {
    const claimed = token;
    token = null;
    if (claimed === null) return null;
    return [claimed, answeredAt === null ? null : performance.now() - answeredAt];
  },
  // [the WebSocket, its events so far]; null once claimed, or if it could not be made.
  claimSocket() {
    const claimed = socket;
    socket = null;
    if (claimed === null) return null;
    for (const kind of facts.socketEvents) claimed.removeEventListener(kind, keep);
    return [claimed, received.splice(0)];
  },
});
