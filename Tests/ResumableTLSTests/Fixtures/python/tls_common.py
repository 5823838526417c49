"""Shared helpers for the interop test peers tls_client.py and tls_server.py.

Python 3.11's ssl module cannot set TLS 1.3 cipher suites or key-exchange groups
directly; both scripts apply --tls13-ciphersuites / --groups through an OpenSSL
configuration file (OPENSSL_CONF, system_default section) and re-execute themselves
before the ssl module creates any context.
"""
import json
import os
import sys
import tempfile

_MARKER = "RESUMABLE_TLS_PEER_CONF"


def apply_openssl_conf(args):
    """Re-exec with an OpenSSL config that sets Ciphersuites/Groups, if asked for."""
    lines = []
    if args.tls13_ciphersuites:
        lines.append("Ciphersuites = " + args.tls13_ciphersuites)
    if args.groups:
        lines.append("Groups = " + args.groups)
    if not lines or os.environ.get(_MARKER):
        return
    fd, path = tempfile.mkstemp(prefix="rtls-peer-", suffix=".cnf")
    with os.fdopen(fd, "w") as f:
        f.write("openssl_conf = openssl_init\n\n[openssl_init]\nssl_conf = ssl_sect\n\n"
                "[ssl_sect]\nsystem_default = system_default_sect\n\n[system_default_sect]\n")
        f.write("\n".join(lines) + "\n")
    env = dict(os.environ, OPENSSL_CONF=path, **{_MARKER: path})
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def cleanup_openssl_conf():
    path = os.environ.get(_MARKER)
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass


def add_common_arguments(parser):
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cafile", help="trust anchors for verifying the peer")
    parser.add_argument("--cert", help="own certificate chain (PEM)")
    parser.add_argument("--key", help="own private key (PEM)")
    parser.add_argument("--alpn", help="comma-separated ALPN protocols")
    parser.add_argument("--ciphers", help="TLS 1.2 cipher string (SSLContext.set_ciphers)")
    parser.add_argument("--tls13-ciphersuites", help="TLS 1.3 suites, e.g. TLS_AES_128_GCM_SHA256 (via OPENSSL_CONF)")
    parser.add_argument("--groups", help="key-exchange groups, e.g. X25519:P-256 (via OPENSSL_CONF)")
    parser.add_argument("--timeout", type=float, default=10.0, help="socket timeout in seconds")
    parser.add_argument("--tls12", action="store_true", help="TLS 1.2 only (maximum_version = TLSv1_2)")
    parser.add_argument("--no-ticket", action="store_true", help="OP_NO_TICKET: session IDs only")


def configure_context(ctx, args):
    import ssl
    if args.tls12:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if args.no_ticket:
        ctx.options |= ssl.OP_NO_TICKET
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn.split(","))
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)


def report(sock, received, **extra):
    """Prints one JSON line describing a finished connection."""
    cipher = sock.cipher()
    peer = None
    try:
        cert = sock.getpeercert()
        if cert:
            peer = dict(x[0] for x in cert.get("subject", ())).get("commonName")
    except ValueError:
        pass
    line = {
        "version": sock.version(),
        "cipher": cipher[0] if cipher else None,
        "alpn": sock.selected_alpn_protocol(),
        "session_reused": bool(sock.session_reused),
        "peer_common_name": peer,
        "received": received.decode("utf-8", "replace"),
    }
    line.update(extra)
    print(json.dumps(line), flush=True)


def error(message, **extra):
    line = {"error": message}
    line.update(extra)
    print(json.dumps(line), flush=True)
