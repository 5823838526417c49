#!/usr/bin/env python3
"""TLS 1.3 interop client for the swift-resumable-tls tests.

Connects 1 + --resume times; every connection after the first offers the session
saved from the one before. Sends --send, reads until --expect-bytes bytes arrived or the
peer closed, then prints one JSON line per connection:
  {"connection": 0, "version": "TLSv1.3", "cipher": "...", "alpn": "h2" | null,
   "session_reused": false, "peer_common_name": "localhost", "received": "..."}
On failure it prints {"error": "...", "connection": n} and exits with status 1.

TLS 1.3 tickets arrive after the handshake, so the session is saved only after
some application data has been read (the read drives ticket processing).
"""
import argparse
import socket
import ssl
import sys

import tls_common


def main():
    parser = argparse.ArgumentParser()
    tls_common.add_common_arguments(parser)
    parser.add_argument("--servername", default="localhost", help="SNI and name to verify")
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--resume", type=int, default=0, help="extra connections that resume")
    parser.add_argument("--send", default="hello\n", help="text to send on each connection")
    parser.add_argument("--expect-bytes", type=int, default=1,
                        help="stop reading after this many bytes (0: read until the peer closes)")
    args = parser.parse_args()
    tls_common.apply_openssl_conf(args)
    tls_common.cleanup_openssl_conf()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if args.no_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif args.cafile:
        ctx.load_verify_locations(args.cafile)
    tls_common.configure_context(ctx, args)

    session = None
    for n in range(args.resume + 1):
        try:
            with socket.create_connection((args.host, args.port), timeout=args.timeout) as raw:
                with ctx.wrap_socket(raw, server_hostname=args.servername, session=session) as tls:
                    tls.sendall(args.send.encode())
                    received = b""
                    while args.expect_bytes == 0 or len(received) < args.expect_bytes:
                        try:
                            chunk = tls.recv(65536)
                        except (ssl.SSLZeroReturnError, ConnectionResetError):
                            break
                        if not chunk:
                            break
                        received += chunk
                    session = tls.session
                    tls_common.report(tls, received, connection=n)
                    try:
                        tls.unwrap()
                    except (OSError, ssl.SSLError):
                        pass
        except Exception as e:  # report every failure as JSON, then stop
            tls_common.error("%s: %s" % (type(e).__name__, e), connection=n)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
