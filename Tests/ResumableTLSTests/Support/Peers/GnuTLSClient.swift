import Foundation

/// What `gnutls-cli` reported about its connection(s).
struct GnuTLSClientReport: Sendable {
    /// One per completed handshake (two with `resume`).
    struct Handshake: Equatable, Sendable {
        /// The whole `- Description:` value, e.g.
        /// `(TLS1.3-X.509)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-256-GCM)`.
        var description: String
        /// `TLS1.3`.
        var protocolVersion: String?
        /// `ECDHE-X25519`, `ECDHE-SECP256R1`, … (nil on a resumed handshake, which gnutls
        /// prints as `(TLS1.3-X.509)--(AES-256-GCM)`).
        var keyExchange: String?
        /// `ECDSA-SECP256R1-SHA256`, … (nil on a resumed handshake).
        var signature: String?
        /// The record cipher, `AES-256-GCM`, `AES-128-GCM`, `CHACHA20-POLY1305`.
        var cipher: String?
        /// `- Session ID: F8:00:…`.
        var sessionID: String?
        /// `- Application protocol: h2`.
        var alpn: String?
        /// `*** This is a resumed session` followed this handshake.
        var resumed = false
    }
    var handshakes: [Handshake] = []
    /// `- Status: The certificate is trusted.` was printed.
    var certificateTrusted = false
    /// Lines of application data received (after `- Simple Client Mode:`), joined by "\n".
    var received = ""
    var exitStatus: Int32 = -1
    var stdout = ""
    var stderr = ""

    /// Parses gnutls-cli's stdout (where it prints everything, including the `- …` status lines).
    init(stdout: String, stderr: String, exitStatus: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
        var received: [String] = []
        var inSimpleClientMode = false
        for line in (stdout + "\n" + stderr).split(separator: "\n").map(String.init) {
            if line.hasPrefix("- Description: ") {
                let description = String(line.dropFirst("- Description: ".count))
                handshakes.append(Self.parseDescription(description))
                inSimpleClientMode = false
            } else if line.hasPrefix("- Session ID: "), !handshakes.isEmpty {
                handshakes[handshakes.count - 1].sessionID = String(line.dropFirst("- Session ID: ".count))
            } else if line.hasPrefix("- Application protocol: "), !handshakes.isEmpty {
                handshakes[handshakes.count - 1].alpn = String(line.dropFirst("- Application protocol: ".count))
            } else if line.hasPrefix("*** This is a resumed session"), !handshakes.isEmpty {
                handshakes[handshakes.count - 1].resumed = true
            } else if line.hasPrefix("- Status: The certificate is trusted") {
                certificateTrusted = true
            } else if line.hasPrefix("- Simple Client Mode") {
                inSimpleClientMode = true
            } else if inSimpleClientMode && !line.hasPrefix("- ") && !line.hasPrefix("*** ") && !line.hasPrefix("|") {
                received.append(line)
            }
        }
        self.received = received.joined(separator: "\n")
    }

    /// Splits `(TLS1.3-X.509)-(ECDHE-X25519)-(ECDSA-SECP256R1-SHA256)-(AES-256-GCM)`.
    static func parseDescription(_ description: String) -> Handshake {
        var groups: [String] = []
        var current: String?
        for character in description {
            if character == "(" { current = "" } else if character == ")" {
                if let group = current { groups.append(group) }
                current = nil
            } else if current != nil { current!.append(character) }
        }
        var handshake = Handshake(description: description)
        if let first = groups.first {
            handshake.protocolVersion = first.split(separator: "-").first.map(String.init)
        }
        if groups.count >= 2 { handshake.cipher = groups.last }
        if groups.count >= 4 {
            handshake.keyExchange = groups[1]
            handshake.signature = groups[2]
        }
        return handshake
    }
}

/// `gnutls-cli` against 127.0.0.1 (install: `apt-get install -y gnutls-bin`).
///
/// It sends stdin and exits when stdin ends or the server closes; `resume` (`--resume`)
/// makes it connect a second time offering the first connection's ticket. Its status
/// lines all go to stdout.
enum GnuTLSClient {
    struct Options: Sendable {
        var port: UInt16
        var host = "127.0.0.1"
        /// `--sni-hostname` (also the name verified).
        var serverName: String? = "localhost"
        /// `--x509cafile`; nil passes `--insecure`.
        var caFile: String? = TestCertificates.caPath
        /// `--priority`; TLS 1.3 only by default.
        var priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
        var alpn: [String] = []
        var certificatePath: String?
        var keyPath: String?
        /// `--resume`: reconnect once, resuming.
        var resume = false
        var extraArguments: [String] = []

        init(port: UInt16) { self.port = port }

        var arguments: [String] {
            var arguments = ["--port", String(port), host, "--priority", priority]
            if let serverName { arguments += ["--sni-hostname", serverName, "--verify-hostname", serverName] }
            if let caFile { arguments += ["--x509cafile", caFile] } else { arguments.append("--insecure") }
            for protocolName in alpn { arguments += ["--alpn", protocolName] }
            if let certificatePath { arguments += ["--x509certfile", certificatePath] }
            if let keyPath { arguments += ["--x509keyfile", keyPath] }
            if resume { arguments.append("--resume") }
            return arguments + extraArguments
        }
    }

    /// Runs gnutls-cli to completion with `input` on stdin; kills it and throws after `timeout`.
    static func run(_ options: Options, input: String = "", timeout: Duration = .seconds(10)) throws -> GnuTLSClientReport {
        let process = try PeerProcess(executable: PeerTool.gnutlsCLI(), arguments: options.arguments)
        defer { process.terminate() }
        if !input.isEmpty { try process.write(input) }
        process.closeStdin()
        let status = try process.waitForExit(timeout: timeout)
        return GnuTLSClientReport(stdout: process.stdout, stderr: process.stderr, exitStatus: status)
    }
}
