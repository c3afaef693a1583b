"""A WebSocket peer that never reads: it upgrades, starts a game, then sends
NUMBER messages without end and reads none of the replies, until the server
drops it. Prints how many messages it sent and how the connection ended.
Written in Python so that nothing reads for it (a runtime's own socket may
read ahead into memory while paused).

Usage: python3 ws_flood.py PORT [SECONDS]
"""

import os
import socket
import sys
import time


def frame(text: bytes) -> bytes:
    mask = os.urandom(4)
    body = bytes(b ^ mask[i & 3] for i, b in enumerate(text))
    return bytes([0x81, 0x80 | len(text)]) + mask + body


def main() -> None:
    port = int(sys.argv[1])
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            print("closed before the upgrade")
            return
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        print("refused: " + head.split(b"\r\n")[0].decode())
        return
    sock.sendall(frame(b"PARAMS 1 1000000000"))
    batch = frame(b"NUMBER") * 1000
    sent = 0
    sock.settimeout(1.0)
    until = time.monotonic() + limit
    try:
        while time.monotonic() < until:
            try:
                sock.sendall(batch)
                sent += 1000
            except socket.timeout:
                continue
    except OSError as error:
        print(f"dropped after {sent} messages: {type(error).__name__}")
        return
    print(f"still open after {sent} messages")


main()
