#!/usr/bin/env python3
"""TLS 1.3 interop server for the swift-resumable-tls tests.

Listens on --host:--port (port 0: the OS chooses) and prints {"port": N} as its first
line. Serves --count connections one after another: reads until a newline (or
--read-bytes bytes, or the peer closes), echoes what it read, closes, then prints one JSON line:
  {"connection": 0, "version": "TLSv1.3", "cipher": "...", "alpn": ..., "session_reused": bool,
   "peer_common_name": "test-client" | null, "received": "..."}
A failed handshake prints {"error": "...", "connection": n} and the server goes on.
--num-tickets sets SSLContext.num_tickets (resumption is served from Python's own tickets).
"""
import argparse
import json
import socket
import ssl
import sys

import tls_common


def main():
    parser = argparse.ArgumentParser()
    tls_common.add_common_arguments(parser)
    parser.add_argument("--count", type=int, default=1, help="connections to serve before exiting")
    parser.add_argument("--require-client-cert", action="store_true", help="verify client certs against --cafile")
    parser.add_argument("--num-tickets", type=int, default=2)
    parser.add_argument("--read-bytes", type=int, default=65536)
    args = parser.parse_args()
    tls_common.apply_openssl_conf(args)
    tls_common.cleanup_openssl_conf()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_common.configure_context(ctx, args)
    ctx.num_tickets = args.num_tickets
    if args.require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.cafile)

    with socket.create_server((args.host, args.port)) as listener:
        print(json.dumps({"port": listener.getsockname()[1]}), flush=True)
        listener.settimeout(args.timeout)
        for n in range(args.count):
            try:
                raw, _ = listener.accept()
            except socket.timeout:
                tls_common.error("accept timed out", connection=n)
                return 1
            raw.settimeout(args.timeout)
            try:
                with ctx.wrap_socket(raw, server_side=True) as tls:
                    received = b""
                    while len(received) < args.read_bytes and not received.endswith(b"\n"):
                        try:
                            chunk = tls.recv(65536)
                        except (ssl.SSLZeroReturnError, ConnectionResetError):
                            break
                        if not chunk:
                            break
                        received += chunk
                    if received:
                        tls.sendall(received)
                    tls_common.report(tls, received, connection=n)
                    try:
                        tls.unwrap()
                    except (OSError, ssl.SSLError):
                        pass
            except Exception as e:
                tls_common.error("%s: %s" % (type(e).__name__, e), connection=n)
                raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
