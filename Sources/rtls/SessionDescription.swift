import Foundation
import ResumableTLS
// X509 comes with ResumableTLS (swift-certificates); used only to print the peer's subject.
import X509

/// A session's fields for people (`openssl sess_id -text`) and for scripts (JSON).
struct SessionDescription: Encodable, Sendable {
    /// `TLSv1.3`.
    var protocolVersion: String
    /// `TLS_AES_128_GCM_SHA256`.
    var cipher: String
    /// The session ID, upper-case hex (as OpenSSL prints it).
    var sessionID: String
    /// The session-ID context, upper-case hex.
    var sessionIDContext: String
    /// The resumption PSK (TLS 1.3) or master secret (TLS 1.2), upper-case hex.
    var resumptionSecret: String
    /// The ticket lifetime hint, seconds.
    var ticketLifetimeHint: UInt32
    /// The ticket, lower-case hex (empty when none).
    var ticket: String
    /// The ticket's length in bytes.
    var ticketLength: Int
    /// TLS 1.3 ticket_age_add.
    var ticketAgeAdd: UInt32
    /// When the session was made, seconds since 1970.
    var startTime: Int64
    /// How long the session may be resumed, seconds.
    var timeout: Int64
    /// When the session expires, ISO 8601.
    var expires: String
    /// Whether it has expired now.
    var expired: Bool
    /// Whether it can still resume (a secret and a ticket or ID).
    var resumable: Bool
    /// The SNI name the session was made for.
    var serverName: String?
    /// The ALPN protocol agreed.
    var alpn: String?
    /// The most early data the server accepts.
    var maxEarlyData: UInt32
    /// The key-exchange group of the handshake that made the session.
    var group: String?
    /// The peer certificate's subject, when the session holds it.
    var peerSubject: String?
    /// TLS 1.2: whether the master secret is the extended one (RFC 7627).
    var extendedMasterSecret: Bool

    /// The description of `session` at `now`.
    init(_ session: TLSSession, now: Date = Date()) {
        protocolVersion = "\(session.protocolVersion)"
        cipher = "\(session.cipherSuite)"
        sessionID = Hex.upper(session.sessionID)
        sessionIDContext = Hex.upper(session.sessionIDContext)
        resumptionSecret = Hex.upper(session.secret)
        ticketLifetimeHint = session.ticketLifetime
        ticket = Hex.lower(session.ticket)
        ticketLength = session.ticket.count
        ticketAgeAdd = session.ticketAgeAdd
        startTime = Int64(session.creationTime.timeIntervalSince1970.rounded(.down))
        timeout = Int64(session.timeout.rounded(.down))
        expires = ISO8601DateFormatter().string(from: session.expirationTime)
        expired = session.isExpired(at: now)
        resumable = session.isResumable
        serverName = session.serverName
        alpn = session.applicationProtocol
        maxEarlyData = session.maxEarlyDataSize
        group = session.group.map { "\($0)" }
        peerSubject = session.peerCertificates.first.flatMap(Self.subject(ofCertificateDER:))
        extendedMasterSecret = session.extendedMasterSecret
        isTLS13 = session.protocolVersion >= .tls13
        ticketBytes = session.ticket
    }

    private var isTLS13: Bool
    private var ticketBytes: [UInt8]

    private enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", cipher, sessionID, sessionIDContext, resumptionSecret,
            ticketLifetimeHint, ticket, ticketLength, ticketAgeAdd, startTime, timeout, expires,
            expired, resumable, serverName, alpn, maxEarlyData, group, peerSubject, extendedMasterSecret
    }

    /// The lines of `openssl sess_id -text`, in its order and spelling, followed by what it
    /// leaves out (SNI, ALPN, group, peer subject).
    var text: String {
        var lines = [
            "SSL-Session:",
            "    Protocol  : \(protocolVersion)",
            "    Cipher    : \(cipher)",
            "    Session-ID: \(sessionID)",
            "    Session-ID-ctx: \(sessionIDContext)",
            isTLS13 ? "    Resumption PSK: \(resumptionSecret)" : "    Master-Key: \(resumptionSecret)",
        ]
        if ticketLifetimeHint != 0 {
            lines.append("    TLS session ticket lifetime hint: \(ticketLifetimeHint) (seconds)")
        }
        if !ticketBytes.isEmpty {
            lines.append("    TLS session ticket:")
            lines.append(contentsOf: Hex.dump(ticketBytes, indent: 4))
            lines.append("")
        }
        lines.append("    Start Time: \(startTime)")
        lines.append("    Timeout   : \(timeout) (sec)")
        // openssl sess_id -text prints this line for every session.
        lines.append("    Extended master secret: \(extendedMasterSecret ? "yes" : "no")")
        lines.append("    Expires   : \(expires)\(expired ? " (expired)" : "")")
        lines.append("    SNI       : \(serverName ?? "None")")
        lines.append("    ALPN      : \(alpn ?? "None")")
        lines.append("    Max Early Data: \(maxEarlyData)")
        lines.append("    Group     : \(group ?? "None")")
        lines.append("    Peer      : \(peerSubject.map { "subject=\($0)" } ?? "None")")
        lines.append("    Resumable : \(resumable ? "yes" : "no")")
        return lines.joined(separator: "\n")
    }

    /// One line of JSON with sorted keys.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The subject of a DER certificate (`CN=localhost`), or nil when it does not parse.
    static func subject(ofCertificateDER der: [UInt8]) -> String? {
        (try? Certificate(derEncoded: der)).map { "\($0.subject)" }
    }
}

/// Hex helpers in OpenSSL's styles.
enum Hex {
    private static let digits = Array("0123456789abcdef")

    /// `0a1b…`.
    static func lower(_ bytes: [UInt8]) -> String {
        var characters: [Character] = []
        characters.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(characters)
    }

    /// `0A1B…`.
    static func upper(_ bytes: [UInt8]) -> String { lower(bytes).uppercased() }

    /// OpenSSL's `BIO_dump_indent` lines: `0000 - 24 09 … 70-f4 … 50   $...u0.p.....G.P`,
    /// 16 bytes a line, a dash after the eighth, the printable ASCII on the right.
    static func dump(_ bytes: [UInt8], indent: Int) -> [String] {
        let width = 16
        let prefix = String(repeating: " ", count: indent)
        var lines: [String] = []
        var offset = 0
        while offset < bytes.count {
            let offsetHex = String(offset, radix: 16)
            var line = prefix + String(repeating: "0", count: max(0, 4 - offsetHex.count)) + offsetHex + " - "
            var ascii = ""
            for column in 0..<width {
                let index = offset + column
                guard index < bytes.count else {
                    line += "   "
                    continue
                }
                let byte = bytes[index]
                line += lower([byte]) + (column == 7 ? "-" : " ")
                ascii.append((0x20...0x7E).contains(byte) ? Character(UnicodeScalar(byte)) : ".")
            }
            lines.append(line + "  " + ascii)
            offset += width
        }
        return lines
    }
}
