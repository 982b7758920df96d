// A minimal RFC 6455 client on node:net, so the rehearsal needs no npm package: the upgrade,
// masked text frames out, text/ping/close frames in (fragments joined), and the close code the
// server sent (1006 when the connection ended without a close frame). tickerd may put several
// JSON messages in one frame, separated by "\n": each reaches onMessage on its own.

import crypto from "node:crypto";
import net from "node:net";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OP_CONT = 0x0, OP_TEXT = 0x1, OP_CLOSE = 0x8, OP_PING = 0x9;
const CLOSE_ABNORMAL = 1006;

function frame(opcode, payload) {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) {
    out[1] = 0x80 | len;
  } else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = crypto.randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < len; i++) out[head + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

// Opens ws://host:port/path. handlers: onOpen(), onMessage(object, rawText), onClose(code).
// Returns { send(text), close(code) }. onClose is called exactly once, also when the
// connection or the upgrade fails (code 1006).
export function openWebSocket(host, port, path, handlers, timeoutMs = 5000) {
  const key = crypto.randomBytes(16).toString("base64");
  const accept = crypto.createHash("sha1").update(key + GUID).digest("base64");
  const socket = net.connect({ host, port });
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let closed = false;
  let closeSent = false;
  let serverCode = CLOSE_ABNORMAL;
  let fragments = [];

  const finish = () => {
    if (closed) return;
    closed = true;
    socket.destroy();
    handlers.onClose(serverCode);
  };
  socket.setNoDelay(true);
  socket.setTimeout(timeoutMs, () => { if (!upgraded) finish(); });
  socket.on("connect", () => {
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
  socket.on("error", () => finish());
  socket.on("close", () => finish());
  socket.on("data", (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    if (!upgraded) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString("latin1");
      buffer = buffer.subarray(end + 4);
      if (!/^HTTP\/1\.1 101 /.test(head) || !head.includes(accept)) return finish();
      upgraded = true;
      socket.setTimeout(0);
      handlers.onOpen();
    }
    readFrames();
  });

  function readFrames() {
    while (!closed && buffer.length >= 2) {
      const fin = (buffer[0] & 0x80) !== 0;
      const opcode = buffer[0] & 0x0f;
      let len = buffer[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buffer.length < 4) return;
        len = buffer.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buffer.length < 10) return;
        len = Number(buffer.readBigUInt64BE(2));
        at = 10;
      }
      if (buffer.length < at + len) return;
      const payload = buffer.subarray(at, at + len);
      buffer = buffer.subarray(at + len);
      if (opcode === OP_PING) {
        socket.write(frame(0xa, payload));
      } else if (opcode === OP_CLOSE) {
        serverCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!closeSent) {
          closeSent = true;
          socket.write(frame(OP_CLOSE, payload.subarray(0, 2)));
        }
        socket.end();
      } else if (opcode === OP_TEXT || opcode === OP_CONT) {
        fragments.push(Buffer.from(payload));
        if (!fin) continue;
        const text = Buffer.concat(fragments).toString("utf8");
        fragments = [];
        for (const line of text.split("\n")) {
          if (line) handlers.onMessage(JSON.parse(line), line);
        }
      }
    }
  }

  return {
    send(text) {
      if (upgraded && !closed && !closeSent) socket.write(frame(OP_TEXT, Buffer.from(text)));
    },
    close(code = 1000) {
      if (closed) return;
      if (!upgraded) return finish();
      if (!closeSent) {
        closeSent = true;
        const body = Buffer.alloc(2);
        body.writeUInt16BE(code);
        socket.write(frame(OP_CLOSE, body));
      }
      serverCode = code;
      setTimeout(finish, 1000).unref();
    },
  };
}
