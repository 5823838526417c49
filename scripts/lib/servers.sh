# Sourced by scripts/compare-servers.sh and scripts/idle-memory.sh: the four HTTPS servers of
# issue 17 on 127.0.0.1 with one ECDSA P-256 certificate, started and stopped by name:
#   rtls     `rtls server --www --log-level notice` (ours; OS-chosen port, read back from its
#            "ACCEPT 127.0.0.1:PORT" line),
#   openssl  `openssl s_server -www -quiet` (a free port found by binding port 0),
#   nginx    Debian's nginx-light, `master_process off` (one process, its own worker),
#            `ssl_session_tickets on`, `return 200 "ok\n"`, everything it writes under $TMP/nginx
#            (a free port found by binding port 0),
#   nio-ssl  Benchmarks/NIOSSLServer (OS-chosen port, like ours),
# and two servers that are not HTTPS servers, the floors under them (no TLS, no HTTP; driven by
# `tcp-floor client`, the byte pattern of a resumed TLS 1.2 connection):
#   tcp-floor   Benchmarks/TCPFloor/tcp-floor.c: blocking sockets, nothing but the TCP traffic
#               (the kernel's share; compiled into $TMP by start_server),
#   nio-floor   Benchmarks/NIOSSLServer's nio-tcp-floor: SwiftNIO with one byte-counting handler.
#
# The caller calls, in this order:
#   build_server_binaries            (unless --no-build) the two release builds, one at a time
#   find_server_binaries [NAME...]   sets RTLS, NIO_SSL, NIO_FLOOR and NGINX (RTLS_BIN,
#                                    NIO_SSL_BIN and NIO_FLOOR_BIN override the first three;
#                                    by default NIO_FLOOR is beside NIO_SSL); exits if a named
#                                    one is missing
#   begin_server_run LOG_DIR         sets TMP (a private temporary directory) and where each
#                                    server's log goes (LOG_DIR/NAME-server.log); stops the
#                                    servers and removes TMP on exit
#   make_server_certificate          $TMP/cert.pem and $TMP/key.pem (CN and SAN localhost,
#                                    SAN 127.0.0.1)
#   start_server NAME [CONNECTIONS]  starts it, sets PID[NAME] and PORT[NAME]; exits with the
#                                    log if it does not come up within 10 s. CONNECTIONS: the
#                                    most connections nginx must hold at once; it then gets
#                                    worker_connections 2 x CONNECTIONS and
#                                    worker_rlimit_nofile 2 x CONNECTIONS + 100 (once fewer
#                                    than 1/16 of its worker_connections are free, nginx closes
#                                    32 idle connections that wait for a request: "worker_connections
#                                    are not enough, reusing connections"). Without it nginx
#                                    keeps its defaults (512). The others take the shell's
#                                    open-file limit (`ulimit -n`).
#   stop_server NAME / stop_all_servers
#                                    SIGTERM, then SIGKILL if it is still there after 5 s.
# Servers run in the background of the calling shell: call start_server directly, never inside
# $(...) or a pipeline.
declare -gA PID=() PORT=()

# begin_server_run LOG_DIR: $TMP, a fresh temporary folder, and the servers' logs in LOG_DIR; on
# exit (any exit) every server started is stopped and $TMP removed.
begin_server_run() {
    TMP=$(mktemp -d)
    SERVER_LOG_DIR=$1
    trap 'status=$?; set +e; stop_all_servers; rm -rf "$TMP"; exit $status' EXIT
}

build_server_binaries() {
    swift build -c release --product rtls 2>&1 | grep -E 'error|warning: ' || true
    swift build -c release --package-path Benchmarks/NIOSSLServer 2>&1 | grep -E 'error:' || true
}

# find_server_binaries [NAME...]: the binaries of the servers named (default: the four HTTPS
# servers); a server not named needs no build.
find_server_binaries() {
    local wanted=" ${*:-rtls openssl nginx nio-ssl} "
    # RTLS_BIN=path runs another build of rtls (e.g. an older commit's) against the same clients.
    RTLS="${RTLS_BIN:-$(swift build -c release --show-bin-path)/rtls}"
    if [[ "$wanted" == *" rtls "* ]]; then
        [ -x "$RTLS" ] || { echo "no release rtls at $RTLS" >&2; exit 1; }
    fi
    NIO_SSL="${NIO_SSL_BIN:-$(swift build -c release --package-path Benchmarks/NIOSSLServer --show-bin-path)/nio-ssl-server}"
    if [[ "$wanted" == *" nio-ssl "* ]]; then
        [ -x "$NIO_SSL" ] || { echo "no release nio-ssl-server at $NIO_SSL" >&2; exit 1; }
    fi
    NIO_FLOOR="${NIO_FLOOR_BIN:-$(dirname "$NIO_SSL")/nio-tcp-floor}"
    if [[ "$wanted" == *" nio-floor "* ]]; then
        [ -x "$NIO_FLOOR" ] || { echo "no release nio-tcp-floor at $NIO_FLOOR" >&2; exit 1; }
    fi
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

make_server_certificate() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_accept_line() { # file: the port from "ACCEPT 127.0.0.1:PORT" (waits up to 10 s)
    for _ in $(seq 100); do grep -q '^ACCEPT' "$1" 2>/dev/null && break; sleep 0.1; done
    sed -n 's/^ACCEPT 127.0.0.1:\([0-9]*\).*/\1/p' "$1" | head -1
}
wait_port() { # port: 0 once something accepts on it (waits up to 10 s)
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2).close()" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

start_server() { # name [connections]
    local name=$1 connections=${2:-} log="$SERVER_LOG_DIR/$1-server.log"
    case "$name" in
    rtls)
        # Ours: port 0, the OS chooses; read it back from "ACCEPT 127.0.0.1:PORT".
        # --log-level notice: no line per handshake, as s_server runs -quiet.
        "$RTLS" server --port 0 --cert "$TMP/cert.pem" --key "$TMP/key.pem" --www --log-level notice >"$TMP/rtls.out" 2>"$log" &
        PID[rtls]=$!
        PORT[rtls]=$(wait_accept_line "$TMP/rtls.out")
        [ -n "${PORT[rtls]}" ] || { echo "rtls server did not start" >&2; cat "$log" >&2; exit 1; }
        ;;
    openssl)
        # OpenSSL's: a free port (bind 0, read it, release it).
        PORT[openssl]=$(free_port)
        openssl s_server -accept "127.0.0.1:${PORT[openssl]}" -cert "$TMP/cert.pem" -key "$TMP/key.pem" -www -quiet \
            >"$log" 2>&1 &
        PID[openssl]=$!
        wait_port "${PORT[openssl]}" || { echo "openssl s_server did not start" >&2; cat "$log" >&2; exit 1; }
        ;;
    nginx)
        # nginx: one process (master_process off: it is its own worker), everything it writes under $TMP.
        PORT[nginx]=$(free_port)
        rm -rf "$TMP/nginx"
        mkdir -p "$TMP/nginx"
        local limits="" events="events {}"
        if [ -n "$connections" ]; then
            limits="worker_rlimit_nofile $((2 * connections + 100));"
            events="events { worker_connections $((2 * connections)); }"
        fi
        cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log $TMP/nginx/error.log;
pid $TMP/nginx/nginx.pid;
$limits
$events
http {
    access_log off;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:${PORT[nginx]} ssl;
        ssl_certificate $TMP/cert.pem;
        ssl_certificate_key $TMP/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets on;
        ssl_session_cache shared:SSL:1m;
        location / { return 200 "ok\n"; }
    }
}
EOF
        "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" >"$log" 2>&1 &
        PID[nginx]=$!
        wait_port "${PORT[nginx]}" || { echo "nginx did not start" >&2; cat "$log" "$TMP/nginx/error.log" >&2; exit 1; }
        ;;
    nio-ssl)
        # swift-nio-ssl's: port 0, like ours.
        "$NIO_SSL" --port 0 --cert "$TMP/cert.pem" --key "$TMP/key.pem" >"$TMP/nio-ssl.out" 2>"$log" &
        PID[nio-ssl]=$!
        PORT[nio-ssl]=$(wait_accept_line "$TMP/nio-ssl.out")
        [ -n "${PORT[nio-ssl]}" ] || { echo "nio-ssl-server did not start" >&2; cat "$log" >&2; exit 1; }
        ;;
    tcp-floor)
        # The kernel floor: compiled here (a C compiler: cc, or the clang of the Swift toolchain).
        local compiler
        compiler=$(command -v cc || command -v clang) || { echo "no C compiler for tcp-floor" >&2; exit 1; }
        "$compiler" -O2 -o "$TMP/tcp-floor" Benchmarks/TCPFloor/tcp-floor.c
        rm -f "$TMP/tcp-floor.port"
        "$TMP/tcp-floor" server "$TMP/tcp-floor.port" >"$log" 2>&1 &
        PID[tcp-floor]=$!
        for _ in $(seq 100); do [ -s "$TMP/tcp-floor.port" ] && break; sleep 0.1; done
        PORT[tcp-floor]=$(cat "$TMP/tcp-floor.port" 2>/dev/null || true)
        [ -n "${PORT[tcp-floor]}" ] || { echo "tcp-floor server did not start" >&2; cat "$log" >&2; exit 1; }
        ;;
    nio-floor)
        "$NIO_FLOOR" --port 0 >"$TMP/nio-floor.out" 2>"$log" &
        PID[nio-floor]=$!
        PORT[nio-floor]=$(wait_accept_line "$TMP/nio-floor.out")
        [ -n "${PORT[nio-floor]}" ] || { echo "nio-tcp-floor did not start" >&2; cat "$log" >&2; exit 1; }
        ;;
    *)
        echo "start_server: unknown server $name" >&2
        exit 2
        ;;
    esac
}

stop_server() { # name
    local pid=${PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PID[$1]"
}

stop_all_servers() {
    local name
    for name in "${!PID[@]}"; do stop_server "$name"; done
}
