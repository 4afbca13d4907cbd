#!/usr/bin/env python3
"""A live-socket client that authenticates and then never reads, with a small receive
buffer (SO_RCVBUF), as a frozen app or a hostile client would.

  live_stalled_client.py PORT TOKEN HOLD_S

Prints "ready" once the handshake is answered and the auth message sent, then holds the
connection for HOLD_S seconds without reading and exits.
"""
import base64
import json
import os
import socket
import sys
import time


def frame(text):
    payload = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    else:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def main():
    port, token, hold_s = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        f"GET /api/v1/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            sys.exit("closed during the handshake")
        head += chunk
    if b" 101 " not in head.split(b"\r\n")[0]:
        sys.exit(f"no upgrade: {head!r}")
    s.sendall(frame(json.dumps({"type": "auth", "accessToken": token})))
    print("ready", flush=True)
    time.sleep(hold_s)


if __name__ == "__main__":
    main()
