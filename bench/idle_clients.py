#!/usr/bin/python3
"""Idle keep-alive clients vs one scrape (bench/scaling.sh).

usage: idle_clients.py PORT N
Opens N connections to 127.0.0.1:PORT, sends one keep-alive request on each, reads what comes
within 0.5 s, then keeps them all open and idle while it times one scrape of /metrics on a new
connection (60 s client timeout). Prints one line: idle=N answered=K status=S seconds=T.
"""
import socket
import sys
import time
import urllib.request


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    idle = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: bench\r\n\r\n")
        except OSError:
            pass
        idle.append(s)
    answered = 0
    for s in idle:
        s.settimeout(0.5)
        try:
            answered += 1 if s.recv(4096) else 0
        except OSError:  # timed out, or refused (reset) beyond the server's bounded queue
            pass
    start = time.monotonic()
    try:
        # No proxy, whatever the environment says: loopback only.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/metrics", timeout=60) as r:
            r.read()
            status = r.status
    except Exception as e:  # a refused or timed-out scrape is a result, not a crash
        status = type(e).__name__
    print(f"idle={n} answered={answered} status={status} seconds={time.monotonic() - start:.3f}")
    for s in idle:
        s.close()


if __name__ == "__main__":
    main()
