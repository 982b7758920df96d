#!/usr/bin/env python3
"""WebSocket clients through the balancer of the container test (tests/container/compose_test.sh).

Opens CLIENTS connections to ws://127.0.0.1:LB/ws, subscribes each to ticker.BTC-USDT, and waits
(with a deadline) until every client has its snapshot and UPDATES updates with rising seq from the
same epoch. While they are open, each edge's /v1/stats must count at least one WebSocket client:
the balancer spread them. Exit 0 and one summary line on success; exit 1 naming what is missing.
Usage: ws_through_balancer.py LB_PORT EDGE_PORT[,EDGE_PORT...] [CLIENTS] [UPDATES]
Standard library only: a minimal RFC 6455 client (text frames, masking, ping, close)."""
import base64
import json
import os
import socket
import sys
import time
import urllib.request

DEADLINE_S = 60


def fail(msg):
    print(f"ws_through_balancer: FAIL: {msg}", flush=True)
    sys.exit(1)


class Ws:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                fail("the balancer closed the connection during the upgrade")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0].decode()
        if " 101 " not in status + " ":
            fail(f"upgrade through the balancer answered '{status}'")

    def send(self, obj, opcode=0x1):
        data = json.dumps(obj).encode() if opcode == 0x1 else obj
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                fail("the connection closed while reading a frame")
            self.buf += chunk

    def messages(self):
        """Reads one frame; returns the JSON messages in it (none for control frames)."""
        self._need(2)
        opcode = self.buf[0] & 0x0F
        n = self.buf[1] & 0x7F
        off = 2
        if n == 126:
            self._need(4)
            n, off = int.from_bytes(self.buf[2:4], "big"), 4
        elif n == 127:
            self._need(10)
            n, off = int.from_bytes(self.buf[2:10], "big"), 10
        self._need(off + n)
        payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
        if opcode == 0x9:
            self.send(payload, opcode=0xA)
            return []
        if opcode == 0x8:
            fail(f"the server closed the WebSocket: {payload[:2].hex()} {payload[2:].decode(errors='replace')}")
        if opcode != 0x1:
            return []
        return [json.loads(line) for line in payload.decode().split("\n") if line]


def ws_clients(port):
    url = f"http://127.0.0.1:{port}/v1/stats"
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)["connections"]


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    lb = int(sys.argv[1])
    edges = [int(p) for p in sys.argv[2].split(",")]
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    want = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    deadline = time.monotonic() + DEADLINE_S

    conns = [Ws(lb) for _ in range(clients)]
    for i, c in enumerate(conns):
        c.send({"op": "subscribe", "id": i + 1, "channels": ["ticker.BTC-USDT"]})
    state = [{"ack": False, "epoch": None, "seq": None, "updates": 0} for _ in conns]
    for c, s in zip(conns, state):
        while s["updates"] < want:
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"no {want} updates within {DEADLINE_S} s through the balancer: {s}")
            c.sock.settimeout(left)
            try:
                msgs = c.messages()
            except socket.timeout:
                continue
            for m in msgs:
                t = m.get("type")
                if t == "error":
                    fail(f"error from the edge: {m}")
                if t == "ack":
                    s["ack"] = True
                elif t == "snapshot" and m.get("channel") == "ticker.BTC-USDT":
                    s["epoch"], s["seq"] = m["epoch"], m["seq"]
                elif t == "update" and m.get("channel") == "ticker.BTC-USDT":
                    if s["seq"] is None:
                        fail(f"an update before the snapshot: {m}")
                    if m["epoch"] != s["epoch"] or m["seq"] <= s["seq"]:
                        fail(f"update out of order after seq {s['seq']} epoch {s['epoch']}: {m}")
                    s["seq"] = m["seq"]
                    s["updates"] += 1
    per_edge = {p: ws_clients(p) for p in edges}
    if any(n < 1 for n in per_edge.values()):
        fail(f"the balancer did not spread {clients} clients over the edges: {per_edge}")
    seqs = [s["seq"] for s in state]
    print(f"ws_through_balancer: {clients} clients got a snapshot and {want} updates each "
          f"(last seq {seqs}); WebSocket clients per edge port {per_edge}", flush=True)
    for c in conns:
        c.send(b"\x03\xe8", opcode=0x8)
        c.sock.close()


if __name__ == "__main__":
    main()
