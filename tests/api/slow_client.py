#!/usr/bin/env python3
"""A client that reads a response slowly or not at all, with a small receive buffer
(SO_RCVBUF), as a phone on a bad network or a hostile client would.

  slow_client.py PORT PATH TOKEN RATE_BYTES_PER_S [HOLD_S]

RATE 0 never reads: the connection is held open for HOLD_S seconds (default 30), then
closed. Otherwise the response is read at about RATE bytes/s until the server closes or the
body ends. Prints one JSON line: {"status", "bytes", "complete", "seconds"}; `complete`
means the chunked body ended with its last chunk.
"""
import json
import socket
import sys
import time


def main():
    port, path, token, rate = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    hold_s = float(sys.argv[5]) if len(sys.argv) > 5 else 30.0
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    start = time.monotonic()
    if rate == 0:
        time.sleep(hold_s)
        s.close()
        print(json.dumps({"status": None, "bytes": 0, "complete": False, "seconds": hold_s}))
        return
    data = bytearray()
    step = 4096
    while True:
        try:
            chunk = s.recv(step)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        expected = (len(data)) / rate
        ahead = expected - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else None
    print(json.dumps({
        "status": status,
        "bytes": len(body),
        "complete": body.endswith(b"0\r\n\r\n"),
        "seconds": round(time.monotonic() - start, 2),
    }))


if __name__ == "__main__":
    main()
