import Foundation

/// What `openssl s_client` reported about its connection(s).
struct OpenSSLClientReport: Sendable {
    /// One per handshake s_client summarised (`New, TLSv1.3, Cipher is …` / `Reused, …`);
    /// several with `-reconnect`.
    struct Handshake: Equatable, Sendable {
        var reused: Bool
        var protocolVersion: String
        var cipher: String
    }
    var handshakes: [Handshake] = []
    /// `ALPN protocol: h2` (nil when `No ALPN negotiated`).
    var alpn: String?
    /// `Verify return code: 0 (ok)` → 0.
    var verifyReturnCode: Int?
    /// The text after the code, e.g. `ok` or `unable to get local issuer certificate`.
    var verifyMessage: String?
    /// `Server Temp Key: X25519, 253 bits` → `X25519`.
    var serverTempKey: String?
    /// `Peer signature type: ECDSA`.
    var peerSignatureType: String?
    /// Application data from the server, with s_client's own chatter (ticket dumps,
    /// `read R BLOCK`, `closed`, `DONE`) removed; lines joined by "\n".
    var received = ""
    /// s_client's exit status (0 after a good handshake, 1 on a handshake/verify failure).
    var exitStatus: Int32 = -1
    var stdout = ""
    var stderr = ""

    /// The first handshake's protocol (`TLSv1.3`).
    var protocolVersion: String? { handshakes.first?.protocolVersion }
    /// The first handshake's cipher suite.
    var cipher: String? { handshakes.first?.cipher }
    /// Whether the first handshake resumed a session.
    var reused: Bool { handshakes.first?.reused ?? false }

    /// Parses `New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384` / `Reused, …`.
    static func parseSessionLine(_ line: String) -> (reused: Bool, protocolVersion: String, cipher: String)? {
        let reused: Bool
        if line.hasPrefix("New, ") { reused = false } else if line.hasPrefix("Reused, ") { reused = true } else { return nil }
        let parts = line.split(separator: ",", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, parts[2].hasPrefix("Cipher is ") else { return nil }
        return (reused, parts[1], String(parts[2].dropFirst("Cipher is ".count)))
    }

    /// Parses s_client's (non-`-brief`) stdout.
    init(stdout: String, stderr: String, exitStatus: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
        var received: [String] = []
        // Data follows the `---` that ends the handshake summary; ticket dumps are skipped.
        var state = 0   // 0: in summary, 1: after summary (data), 2: in a ticket dump
        var pendingSummaryEnd = false
        for line in stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let summary = Self.parseSessionLine(line) {
                handshakes.append(Handshake(reused: summary.reused, protocolVersion: summary.protocolVersion, cipher: summary.cipher))
                state = 0
                continue
            }
            switch state {
            case 0:
                if line.hasPrefix("ALPN protocol: ") { alpn = String(line.dropFirst("ALPN protocol: ".count)) }
                if line.hasPrefix("Server Temp Key: ") {
                    serverTempKey = line.dropFirst("Server Temp Key: ".count).split(separator: ",").first.map(String.init)
                }
                if line.hasPrefix("Peer signature type: ") { peerSignatureType = String(line.dropFirst("Peer signature type: ".count)) }
                // TLS 1.2 prints it inside the SSL-Session block, indented.
                let verifyLine = handshakes.last?.protocolVersion == "TLSv1.2" ? line.trimmingCharacters(in: .whitespaces) : line
                if verifyLine.hasPrefix("Verify return code: ") {
                    let rest = verifyLine.dropFirst("Verify return code: ".count)
                    let code = rest.prefix { $0.isNumber || $0 == "-" }
                    verifyReturnCode = Int(code)
                    if let open = rest.firstIndex(of: "("), let close = rest.lastIndex(of: ")"), open < close {
                        verifyMessage = String(rest[rest.index(after: open)..<close])
                    }
                    pendingSummaryEnd = true
                } else if pendingSummaryEnd && line == "---" {
                    pendingSummaryEnd = false
                    if !handshakes.isEmpty { state = 1 }
                }
            case 1:
                if line == "Post-Handshake New Session Ticket arrived:" { state = 2; continue }
                if ["---", "read R BLOCK", "closed", "DONE", "drop connection and then reconnect"].contains(line) { continue }
                if line.hasPrefix("CONNECTED(") { state = 0; continue }
                received.append(line)
            default:
                if line == "---" { state = 1 }
            }
        }
        while received.last == "" { received.removeLast() }
        self.received = received.joined(separator: "\n")
    }
}

/// `openssl s_client` against 127.0.0.1.
///
/// Making s_client exit cleanly:
/// - By default (`waitForServerClose`) it runs with `-ign_eof`: it sends all of stdin, keeps
///   reading after stdin ends, and exits when the server closes the connection. Use that
///   with servers that close (Python `tls_server.py`, `s_server -www`, `s_server -rev`
///   after a `CLOSE` line, the library's server after close_notify).
/// - Without it, s_client quits as soon as stdin reaches end of file, often before the
///   server's reply (and, in TLS 1.3, before the session ticket) arrives.
/// - `-nocommands` is always passed so lines starting with `Q`, `R`, `k` are sent as data.
/// - `-reconnect` never resumes in TLS 1.3 with OpenSSL 3.0 (it reconnects before the ticket
///   arrives); test resumption with `sessionOut` then `sessionIn` on a second run.
/// - `-brief` hides the `New,`/`Reused,` line, so it is never passed.
enum OpenSSLClient {
    struct Options: Sendable {
        var port: UInt16
        var host = "127.0.0.1"
        /// `-servername` (SNI); nil sends `-noservername`.
        var serverName: String? = "localhost"
        /// `-CAfile`; with `verifyReturnError`, a bad certificate aborts the handshake.
        var caFile: String? = TestCertificates.caPath
        var verifyReturnError = true
        /// `-verify_hostname` (checked against the certificate).
        var verifyHostname: String? = "localhost"
        var groups: String?
        var ciphersuites: String?
        var alpn: [String] = []
        /// Client certificate (`-cert`/`-key`).
        var certificatePath: String?
        var keyPath: String?
        /// `-sess_out` / `-sess_in` files.
        var sessionOut: String?
        var sessionIn: String?
        /// `-reconnect` (see the note on `OpenSSLClient`).
        var reconnect = false
        /// `-ign_eof`: wait for the server to close (see the note on `OpenSSLClient`).
        var waitForServerClose = true
        var protocolArguments = ["-tls1_3"]
        var extraArguments: [String] = []

        init(port: UInt16) { self.port = port }

        var arguments: [String] {
            var arguments = ["s_client", "-connect", "\(host):\(port)"] + protocolArguments + ["-nocommands"]
            if let serverName { arguments += ["-servername", serverName] } else { arguments.append("-noservername") }
            if let caFile {
                arguments += ["-CAfile", caFile]
                if verifyReturnError { arguments.append("-verify_return_error") }
            }
            if let verifyHostname { arguments += ["-verify_hostname", verifyHostname] }
            if let groups { arguments += ["-groups", groups] }
            if let ciphersuites { arguments += ["-ciphersuites", ciphersuites] }
            if !alpn.isEmpty { arguments += ["-alpn", alpn.joined(separator: ",")] }
            if let certificatePath { arguments += ["-cert", certificatePath] }
            if let keyPath { arguments += ["-key", keyPath] }
            if let sessionOut { arguments += ["-sess_out", sessionOut] }
            if let sessionIn { arguments += ["-sess_in", sessionIn] }
            if reconnect { arguments.append("-reconnect") }
            if waitForServerClose { arguments.append("-ign_eof") }
            return arguments + extraArguments
        }
    }

    /// Runs s_client to completion: writes `input` to its stdin, closes stdin, waits at most
    /// `timeout` for it to exit (else kills it and throws with the transcript) and parses
    /// its report. A failed handshake is not thrown: check `exitStatus` and `handshakes`.
    static func run(_ options: Options, input: String = "", timeout: Duration = .seconds(10)) throws -> OpenSSLClientReport {
        let process = try PeerProcess(executable: PeerTool.openssl(), arguments: options.arguments)
        defer { process.terminate() }
        if !input.isEmpty { try process.write(input) }
        process.closeStdin()
        let status = try process.waitForExit(timeout: timeout)
        return OpenSSLClientReport(stdout: process.stdout, stderr: process.stderr, exitStatus: status)
    }

    /// Starts s_client without waiting: for tests that converse over stdin (`write`) and read
    /// its output as it comes. The caller must `terminate()` it (`defer`).
    static func start(_ options: Options) throws -> PeerProcess {
        try PeerProcess(executable: PeerTool.openssl(), arguments: options.arguments)
    }
}
