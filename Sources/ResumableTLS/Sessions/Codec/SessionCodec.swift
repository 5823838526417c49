import Foundation
import SwiftASN1
import X509

/// Session serialization in OpenSSL's own `SSL_SESSION` ASN.1 layout (S7): the DER of
/// `i2d_SSL_SESSION` / `d2i_SSL_SESSION` and the PEM of `PEM_write_SSL_SESSION` /
/// `PEM_read_SSL_SESSION` (label `SSL SESSION PARAMETERS`).
///
/// The layout (OpenSSL 3.x `ssl/ssl_asn1.c`, checked against what OpenSSL 3.0.19 writes):
///
/// ```
/// SSL_SESSION_ASN1 ::= SEQUENCE {
///   version                      INTEGER (1),
///   ssl_version                  INTEGER (0x0304 for TLS 1.3),
///   cipher                       OCTET STRING (2 bytes: the suite's code point),
///   session_id                   OCTET STRING (0 to 32 bytes),
///   master_key                   OCTET STRING (TLS 1.3: the resumption PSK; at most 64 bytes),
///   key_arg                  [0] IMPLICIT OCTET STRING OPTIONAL,  -- unused, ignored
///   time                     [1] EXPLICIT INTEGER OPTIONAL,       -- seconds since 1970, omitted when 0
///   timeout                  [2] EXPLICIT INTEGER OPTIONAL,       -- seconds, omitted when 0
///   peer                     [3] EXPLICIT Certificate OPTIONAL,   -- the peer's leaf only (checked with swift-certificates)
///   session_id_context       [4] EXPLICIT OCTET STRING OPTIONAL,  -- OpenSSL always writes it
///   verify_result            [5] EXPLICIT INTEGER OPTIONAL,       -- ignored; omitted (= X509_V_OK)
///   tlsext_hostname          [6] EXPLICIT OCTET STRING OPTIONAL,
///   psk_identity_hint        [7] EXPLICIT OCTET STRING OPTIONAL,  -- ignored
///   psk_identity             [8] EXPLICIT OCTET STRING OPTIONAL,  -- ignored
///   tlsext_tick_lifetime_hint [9] EXPLICIT INTEGER OPTIONAL,
///   tlsext_tick             [10] EXPLICIT OCTET STRING OPTIONAL,
///   comp_id                 [11] EXPLICIT OCTET STRING OPTIONAL,  -- ignored
///   srp_username            [12] EXPLICIT OCTET STRING OPTIONAL,  -- ignored
///   flags                   [13] EXPLICIT INTEGER OPTIONAL,       -- 0x1 = extended master secret (TLS 1.2); other bits ignored
///   tlsext_tick_age_add     [14] EXPLICIT INTEGER OPTIONAL,
///   max_early_data          [15] EXPLICIT INTEGER OPTIONAL,
///   alpn_selected           [16] EXPLICIT OCTET STRING OPTIONAL,
///   tlsext_max_fragment_len_mode [17] EXPLICIT INTEGER OPTIONAL,  -- ignored
///   ticket_appdata          [18] EXPLICIT OCTET STRING OPTIONAL,  -- ignored
///   kex_group               [19] EXPLICIT INTEGER OPTIONAL,       -- OpenSSL always writes it (0: none)
///   peer_rpk                [20] EXPLICIT OCTET STRING OPTIONAL   -- ignored (OpenSSL 3.2+)
/// }
/// ```
///
/// What does not survive a round trip through this layout (OpenSSL keeps none of it either):
/// - `ticketNonce`: OpenSSL stores the PSK derived from it (`master_key`), not the nonce; a
///   decoded session has an empty nonce. The PSK is all resumption needs.
/// - `peerCertificates` beyond the leaf: only the leaf is stored (`peer`); OpenSSL does not
///   serialize the peer chain. A decoded session has zero or one certificate.
/// - `creationTime` and `timeout` are whole seconds (fractions are truncated).
/// - `contextID`: not in the layout; the importer supplies its own context's ID (S5).
/// - the resumable flag (S6): a decoded session is resumable if it has a secret and a ticket
///   or session ID.
/// - on reading, `verify_result`, `flags` other than extended master secret, PSK
///   identities, SRP user name, compression, max-fragment-length mode, ticket app data and
///   raw public keys are checked for form and dropped; on writing they are omitted.
///
/// Decoding is strict DER through swift-asn1, bounded (`maximumDERLength`), and rejects
/// fields out of order, unknown fields and trailing bytes; every failure is a
/// `SessionCodecError`.
public enum SessionCodec {
    /// The PEM label OpenSSL uses for sessions (`PEM_STRING_SSL_SESSION`).
    public static let pemLabel = "SSL SESSION PARAMETERS"
    /// The longest DER accepted or produced: 64 KiB (a session with a large peer certificate
    /// and ticket is a few KiB).
    public static let maximumDERLength = 64 * 1024
    /// The longest PEM text accepted: room for `maximumDERLength` bytes of base64 with line
    /// breaks, headers and some surrounding text.
    public static let maximumPEMLength = 96 * 1024

    /// `SSL_SESS_FLAG_EXTMS` in the `flags` field: the session's master secret is the extended one.
    static let extendedMasterSecretFlag: UInt64 = 0x1
    /// `SSL_SESSION_ASN1_VERSION`.
    static let formatVersion: Int64 = 1
    /// `SSL3_MAX_SSL_SESSION_ID_LENGTH`.
    static let maximumSessionIDLength = 32
    /// `SSL_MAX_SID_CTX_LENGTH`.
    static let maximumSessionIDContextLength = 32
    /// `TLS13_MAX_RESUMPTION_PSK_LENGTH` (also covers the 48-byte TLS 1.2 master secret).
    static let maximumMasterKeyLength = 64
    /// The latest creation time accepted: 9999-12-31T23:59:59Z.
    static let maximumTime: Int64 = 253_402_300_799
    /// The longest timeout accepted, in seconds.
    static let maximumTimeout: Int64 = Int64(UInt32.max)
    /// The `ssl_version` values read and written: TLS 1.0 to TLS 1.3.
    static let protocolVersions: ClosedRange<UInt16> = ProtocolVersion.tls10.rawValue...ProtocolVersion.tls13.rawValue

    static func tag(_ number: UInt) -> ASN1Identifier {
        ASN1Identifier(tagWithNumber: number, tagClass: .contextSpecific)
    }
}

// MARK: - Encoding

extension TLSSession {
    /// The session as OpenSSL's `SSL_SESSION` DER, as `i2d_SSL_SESSION` writes it (S7).
    ///
    /// Fields are written in OpenSSL's order and with OpenSSL's choices: zero integers
    /// omitted, `session_id_context` and `kex_group` always present, only the leaf of
    /// `peerCertificates`, no `verify_result` (read by OpenSSL as `X509_V_OK`), and times in
    /// whole seconds. `ticketNonce` and `contextID` are not stored (see `SessionCodec`).
    ///
    /// - Throws: `SessionCodecError.notEncodable` when a value does not fit the layout (a
    ///   session ID or session-ID context over 32 bytes, a secret over 64 bytes, a creation time
    ///   outside 1970...9999, a negative or unbounded timeout, a leaf certificate that is not
    ///   one DER X.509 certificate, a host name with a NUL byte, a protocol version other than TLS
    ///   1.0 to 1.3); `inputTooLarge` when the encoding would exceed
    ///   `SessionCodec.maximumDERLength`.
    public func derEncoded() throws(SessionCodecError) -> [UInt8] {
        guard SessionCodec.protocolVersions.contains(protocolVersion.rawValue) else {
            throw .notEncodable("protocol version \(protocolVersion) is not TLS 1.0 to 1.3")
        }
        guard sessionID.count <= SessionCodec.maximumSessionIDLength else {
            throw .notEncodable("session ID of \(sessionID.count) bytes (at most \(SessionCodec.maximumSessionIDLength))")
        }
        guard sessionIDContext.count <= SessionCodec.maximumSessionIDContextLength else {
            throw .notEncodable("session ID context of \(sessionIDContext.count) bytes (at most \(SessionCodec.maximumSessionIDContextLength))")
        }
        guard secret.count <= SessionCodec.maximumMasterKeyLength else {
            throw .notEncodable("secret of \(secret.count) bytes (at most \(SessionCodec.maximumMasterKeyLength))")
        }
        let seconds = creationTime.timeIntervalSince1970
        guard seconds.isFinite, seconds >= 0, seconds < Double(SessionCodec.maximumTime) + 1 else {
            throw .notEncodable("creation time \(creationTime) is outside 1970...9999")
        }
        let time = Int64(seconds.rounded(.down))
        guard timeout.isFinite, timeout >= 0, timeout < Double(SessionCodec.maximumTimeout) + 1 else {
            throw .notEncodable("timeout \(timeout) is not 0...\(SessionCodec.maximumTimeout) seconds")
        }
        let timeoutSeconds = Int64(timeout.rounded(.down))
        if let serverName, serverName.utf8.contains(0) {
            throw .notEncodable("server name contains a NUL byte")
        }
        var leaf: ASN1Node?
        if let first = peerCertificates.first {
            guard first.count <= SessionCodec.maximumDERLength, let node = try? DER.parse(first), node.identifier == .sequence,
                (try? Certificate(derEncoded: node)) != nil
            else {
                throw .notEncodable("the peer's leaf certificate is not one DER X.509 certificate")
            }
            leaf = node
        }

        var serializer = DER.Serializer()
        do {
            try serializer.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(SessionCodec.formatVersion)
                try coder.serialize(Int64(protocolVersion.rawValue))
                let suite = cipherSuite.rawValue
                try coder.serialize(ASN1OctetString(contentBytes: [UInt8(suite >> 8), UInt8(suite & 0xFF)][...]))
                try coder.serialize(ASN1OctetString(contentBytes: sessionID[...]))
                try coder.serialize(ASN1OctetString(contentBytes: secret[...]))
                if time != 0 { try coder.serialize(time, explicitlyTaggedWithIdentifier: SessionCodec.tag(1)) }
                if timeoutSeconds != 0 { try coder.serialize(timeoutSeconds, explicitlyTaggedWithIdentifier: SessionCodec.tag(2)) }
                if let leaf {
                    coder.appendConstructedNode(identifier: SessionCodec.tag(3)) { $0.serializeRawBytes(leaf.encodedBytes) }
                }
                try coder.serialize(ASN1OctetString(contentBytes: sessionIDContext[...]), explicitlyTaggedWithIdentifier: SessionCodec.tag(4))
                if let serverName {
                    try coder.serialize(ASN1OctetString(contentBytes: Array(serverName.utf8)[...]), explicitlyTaggedWithIdentifier: SessionCodec.tag(6))
                }
                if ticketLifetime != 0 { try coder.serialize(UInt64(ticketLifetime), explicitlyTaggedWithIdentifier: SessionCodec.tag(9)) }
                if !ticket.isEmpty { try coder.serialize(ASN1OctetString(contentBytes: ticket[...]), explicitlyTaggedWithIdentifier: SessionCodec.tag(10)) }
                if extendedMasterSecret { try coder.serialize(SessionCodec.extendedMasterSecretFlag, explicitlyTaggedWithIdentifier: SessionCodec.tag(13)) }
                if ticketAgeAdd != 0 { try coder.serialize(ticketAgeAdd, explicitlyTaggedWithIdentifier: SessionCodec.tag(14)) }
                if maxEarlyDataSize != 0 { try coder.serialize(maxEarlyDataSize, explicitlyTaggedWithIdentifier: SessionCodec.tag(15)) }
                if let applicationProtocol {
                    try coder.serialize(ASN1OctetString(contentBytes: Array(applicationProtocol.utf8)[...]), explicitlyTaggedWithIdentifier: SessionCodec.tag(16))
                }
                try coder.serialize(UInt32(group?.rawValue ?? 0), explicitlyTaggedWithIdentifier: SessionCodec.tag(19))
            }
        } catch {
            throw .notEncodable("DER serialization failed: \(error)")
        }
        let bytes = serializer.serializedBytes
        guard bytes.count <= SessionCodec.maximumDERLength else {
            throw .inputTooLarge(length: bytes.count, limit: SessionCodec.maximumDERLength)
        }
        return bytes
    }

    /// The session as PEM text (`-----BEGIN SSL SESSION PARAMETERS-----`, 64-character base64
    /// lines, a final newline), as `PEM_write_SSL_SESSION` writes it and `openssl sess_id`
    /// and `openssl s_client -sess_in` read it (S7). The DER inside is `derEncoded()`.
    public func pemEncoded() throws(SessionCodecError) -> String {
        PEMDocument(type: SessionCodec.pemLabel, derBytes: try derEncoded()).pemString + "\n"
    }
}

// MARK: - Decoding

extension TLSSession {
    /// Reads a session from OpenSSL's `SSL_SESSION` DER, as `d2i_SSL_SESSION` does (S7): for
    /// example the DER of `openssl sess_id -outform DER` or of `derEncoded()`.
    ///
    /// The imported session belongs to `contextID` (S5: the importing context). Fields OpenSSL
    /// keeps but this library does not are checked for form and dropped (see `SessionCodec`);
    /// an absent `time` or `timeout` reads as 0 (OpenSSL would use "now" and 3 seconds), so
    /// such a session is already expired. A TLS 1.3 timeout over 7 days is capped.
    ///
    /// - Throws: `SessionCodecError`: `inputTooLarge` over `SessionCodec.maximumDERLength`;
    ///   `malformedDER` for anything that is not exactly one DER SEQUENCE in OpenSSL's field
    ///   order (truncation, bad lengths, wrong tags, unknown fields, trailing bytes);
    ///   `unsupportedFormatVersion` unless `version` is 1; `unsupportedProtocolVersion` unless
    ///   `ssl_version` is TLS 1.0 to 1.3; `invalidField` for a value out of range.
    public static func decode(der: [UInt8], contextID: UUID) throws(SessionCodecError) -> TLSSession {
        guard der.count <= SessionCodec.maximumDERLength else {
            throw .inputTooLarge(length: der.count, limit: SessionCodec.maximumDERLength)
        }
        guard !der.isEmpty else { throw .malformedDER("empty input") }
        let fields: SessionCodec.Fields
        do {
            let root = try DER.parse(der)
            fields = try SessionCodec.Fields(root)
        } catch let error as SessionCodecError {
            throw error
        } catch {
            throw .malformedDER(String(describing: error))
        }
        return fields.session(contextID: contextID)
    }

    /// Reads a session from PEM text (`-----BEGIN SSL SESSION PARAMETERS-----`), as
    /// `PEM_read_SSL_SESSION` does (S7): for example the file `openssl s_client -sess_out`
    /// writes. Text around the one PEM block is ignored.
    ///
    /// - Throws: `SessionCodecError.inputTooLarge` over `SessionCodec.maximumPEMLength`
    ///   bytes; `invalidPEM` without exactly one PEM block, with another label, bad base64 or
    ///   bad line lengths; then whatever `decode(der:contextID:)` throws.
    public static func decode(pem: String, contextID: UUID) throws(SessionCodecError) -> TLSSession {
        let length = pem.utf8.count
        guard length <= SessionCodec.maximumPEMLength else {
            throw .inputTooLarge(length: length, limit: SessionCodec.maximumPEMLength)
        }
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw .invalidPEM(String(describing: error))
        }
        guard document.discriminator == SessionCodec.pemLabel else {
            throw .invalidPEM("label \"\(document.discriminator)\", expected \"\(SessionCodec.pemLabel)\"")
        }
        return try decode(der: document.derBytes, contextID: contextID)
    }
}

extension SessionCodec {
    /// The fields of one `SSL_SESSION_ASN1` that a `TLSSession` keeps, validated.
    struct Fields {
        var protocolVersion: ProtocolVersion
        var cipherSuite: CipherSuite
        var sessionID: [UInt8]
        var masterKey: [UInt8]
        var time: Int64 = 0
        var timeout: Int64 = 0
        var peer: [UInt8]?
        var sessionIDContext: [UInt8] = []
        var hostname: String?
        var ticketLifetime: UInt32 = 0
        var ticket: [UInt8] = []
        var ticketAgeAdd: UInt32 = 0
        var maxEarlyData: UInt32 = 0
        var alpn: String?
        var group: NamedGroup?
        var extendedMasterSecret = false

        /// Parses and validates the root node. Throws `SessionCodecError` for a value out of
        /// range, and swift-asn1's errors for malformed DER (mapped by the caller).
        init(_ root: ASN1Node) throws {
            self = try DER.sequence(root, identifier: .sequence) { nodes in
                let version = try Int64(derEncoded: &nodes)
                guard version == SessionCodec.formatVersion else {
                    throw SessionCodecError.unsupportedFormatVersion(version)
                }
                let sslVersion = try Int64(derEncoded: &nodes)
                guard sslVersion >= Int64(SessionCodec.protocolVersions.lowerBound),
                    sslVersion <= Int64(SessionCodec.protocolVersions.upperBound)
                else {
                    throw SessionCodecError.unsupportedProtocolVersion(sslVersion)
                }
                let cipher = try ASN1OctetString(derEncoded: &nodes).bytes
                guard cipher.count == 2, let high = cipher.first, let low = cipher.last else {
                    throw SessionCodecError.invalidField(name: "cipher", reason: "\(cipher.count) bytes, expected 2")
                }
                let sessionID = try Self.octets(&nodes, name: "session_id", limit: SessionCodec.maximumSessionIDLength)
                let masterKey = try Self.octets(&nodes, name: "master_key", limit: SessionCodec.maximumMasterKeyLength)
                var fields = Fields(
                    protocolVersion: ProtocolVersion(rawValue: UInt16(truncatingIfNeeded: sslVersion)),
                    cipherSuite: CipherSuite(rawValue: UInt16(high) << 8 | UInt16(low)),
                    sessionID: sessionID, masterKey: masterKey)

                // [0] IMPLICIT OCTET STRING key_arg: unused since SSLv2; checked and dropped.
                let _: ASN1OctetString? = try DER.optionalImplicitlyTagged(&nodes, tag: SessionCodec.tag(0))
                if let time = try Self.explicit(&nodes, 1, { try Int64(derEncoded: $0) }) {
                    guard time >= 0, time <= SessionCodec.maximumTime else {
                        throw SessionCodecError.invalidField(name: "time", reason: "\(time) is outside 1970...9999")
                    }
                    fields.time = time
                }
                if let timeout = try Self.explicit(&nodes, 2, { try Int64(derEncoded: $0) }) {
                    guard timeout >= 0, timeout <= SessionCodec.maximumTimeout else {
                        throw SessionCodecError.invalidField(name: "timeout", reason: "\(timeout) is outside 0...\(SessionCodec.maximumTimeout)")
                    }
                    fields.timeout = timeout
                }
                fields.peer = try Self.explicit(&nodes, 3) { node in
                    // d2i_X509: the peer must be a certificate, not just any SEQUENCE.
                    guard node.identifier == .sequence, case .constructed = node.content, (try? Certificate(derEncoded: node)) != nil else {
                        throw SessionCodecError.invalidField(name: "peer", reason: "not a DER X.509 certificate")
                    }
                    return Array(node.encodedBytes)
                }
                fields.sessionIDContext = try Self.explicitOctets(&nodes, 4, name: "session_id_context", limit: SessionCodec.maximumSessionIDContextLength) ?? []
                _ = try Self.explicit(&nodes, 5) { try Int32(derEncoded: $0) }  // verify_result
                fields.hostname = try Self.explicitOctets(&nodes, 6, name: "tlsext_hostname").map { try Self.string($0, name: "tlsext_hostname", allowingNUL: false) }
                _ = try Self.explicitOctets(&nodes, 7, name: "psk_identity_hint")
                _ = try Self.explicitOctets(&nodes, 8, name: "psk_identity")
                if let lifetime = try Self.explicit(&nodes, 9, { try UInt64(derEncoded: $0) }) {
                    guard let lifetime32 = UInt32(exactly: lifetime) else {
                        throw SessionCodecError.invalidField(name: "tlsext_tick_lifetime_hint", reason: "\(lifetime) does not fit 32 bits")
                    }
                    fields.ticketLifetime = lifetime32
                }
                fields.ticket = try Self.explicitOctets(&nodes, 10, name: "tlsext_tick") ?? []
                _ = try Self.explicitOctets(&nodes, 11, name: "comp_id")
                _ = try Self.explicitOctets(&nodes, 12, name: "srp_username")
                let flags = try Self.explicit(&nodes, 13) { try UInt64(derEncoded: $0) } ?? 0
                fields.extendedMasterSecret = flags & SessionCodec.extendedMasterSecretFlag != 0
                fields.ticketAgeAdd = try Self.explicit(&nodes, 14) { try UInt32(derEncoded: $0) } ?? 0
                fields.maxEarlyData = try Self.explicit(&nodes, 15) { try UInt32(derEncoded: $0) } ?? 0
                fields.alpn = try Self.explicitOctets(&nodes, 16, name: "alpn_selected").map { try Self.string($0, name: "alpn_selected", allowingNUL: true) }
                _ = try Self.explicit(&nodes, 17) { try UInt32(derEncoded: $0) }  // max_fragment_len_mode
                _ = try Self.explicitOctets(&nodes, 18, name: "ticket_appdata")
                if let group = try Self.explicit(&nodes, 19, { try UInt32(derEncoded: $0) }) {
                    guard let group16 = UInt16(exactly: group) else {
                        throw SessionCodecError.invalidField(name: "kex_group", reason: "\(group) is not a TLS group code point")
                    }
                    fields.group = group16 == 0 ? nil : NamedGroup(rawValue: group16)
                }
                _ = try Self.explicitOctets(&nodes, 20, name: "peer_rpk")
                // DER.sequence rejects any node left over (unknown or out-of-order fields).
                return fields
            }
        }

        private init(protocolVersion: ProtocolVersion, cipherSuite: CipherSuite, sessionID: [UInt8], masterKey: [UInt8]) {
            self.protocolVersion = protocolVersion
            self.cipherSuite = cipherSuite
            self.sessionID = sessionID
            self.masterKey = masterKey
        }

        func session(contextID: UUID) -> TLSSession {
            TLSSession(
                protocolVersion: protocolVersion, cipherSuite: cipherSuite, secret: masterKey,
                sessionID: sessionID, ticket: ticket, ticketLifetime: ticketLifetime,
                ticketAgeAdd: ticketAgeAdd, ticketNonce: [],
                creationTime: Date(timeIntervalSince1970: TimeInterval(time)),
                timeout: TimeInterval(timeout), serverName: hostname, applicationProtocol: alpn,
                maxEarlyDataSize: maxEarlyData, sessionIDContext: sessionIDContext,
                peerCertificates: peer.map { [$0] } ?? [], group: group, contextID: contextID,
                extendedMasterSecret: extendedMasterSecret)
        }

        /// An OCTET STRING of at most `limit` bytes.
        private static func octets(_ nodes: inout ASN1NodeCollection.Iterator, name: String, limit: Int) throws -> [UInt8] {
            let bytes = try ASN1OctetString(derEncoded: &nodes).bytes
            guard bytes.count <= limit else {
                throw SessionCodecError.invalidField(name: name, reason: "\(bytes.count) bytes (at most \(limit))")
            }
            return Array(bytes)
        }

        /// An optional `[number] EXPLICIT` field.
        private static func explicit<T>(_ nodes: inout ASN1NodeCollection.Iterator, _ number: UInt, _ body: (ASN1Node) throws -> T) throws -> T? {
            try DER.optionalExplicitlyTagged(&nodes, tagNumber: number, tagClass: .contextSpecific, body)
        }

        /// An optional `[number] EXPLICIT OCTET STRING` of at most `limit` bytes.
        private static func explicitOctets(_ nodes: inout ASN1NodeCollection.Iterator, _ number: UInt, name: String, limit: Int = .max) throws -> [UInt8]? {
            try explicit(&nodes, number) { node in
                let bytes = try ASN1OctetString(derEncoded: node).bytes
                guard bytes.count <= limit else {
                    throw SessionCodecError.invalidField(name: name, reason: "\(bytes.count) bytes (at most \(limit))")
                }
                return Array(bytes)
            }
        }

        /// A host name (UTF-8 without NUL: OpenSSL keeps it as a C string) or an ALPN protocol
        /// (UTF-8, since `TLSSession` keeps it as a `String`).
        private static func string(_ bytes: [UInt8], name: String, allowingNUL: Bool) throws -> String {
            guard allowingNUL || !bytes.contains(0), let string = String(validating: bytes, as: UTF8.self) else {
                throw SessionCodecError.invalidField(name: name, reason: allowingNUL ? "not UTF-8" : "not UTF-8 text without NUL bytes")
            }
            return string
        }
    }
}
