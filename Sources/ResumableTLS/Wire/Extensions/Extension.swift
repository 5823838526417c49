/// One TLS extension with its decoded body (RFC 8446 §4.2 and the RFCs named per case).
///
/// Where an extension's body differs between messages there is one case per shape (for
/// example `keyShareClientHello`, `keyShareServerHello`, `keyShareHelloRetryRequest`); the
/// parser picks it from the `ExtensionContext`. Extensions this library does not model are
/// kept byte-for-byte as `unknown`.
package enum Extension: Sendable, Hashable {
    /// server_name in a ClientHello (RFC 6066 §3): the one host_name, ASCII without a trailing NUL.
    case serverName(String)
    /// server_name in a ServerHello or EncryptedExtensions: empty, acknowledging the name (RFC 6066 §3).
    case serverNameAcknowledged
    /// max_fragment_length (RFC 6066 §4).
    case maxFragmentLength(MaxFragmentLength)
    /// supported_groups (RFC 8446 §4.2.7): `NamedGroup named_group_list<2..2^16-1>`.
    case supportedGroups(CodePointList<NamedGroup>)
    /// signature_algorithms (RFC 8446 §4.2.3): `SignatureScheme list<2..2^16-2>`.
    case signatureAlgorithms(CodePointList<SignatureScheme>)
    /// signature_algorithms_cert (RFC 8446 §4.2.3), same body as signature_algorithms.
    case signatureAlgorithmsCert(CodePointList<SignatureScheme>)
    /// application_layer_protocol_negotiation offered by a client (RFC 7301 §3.1): non-empty names.
    case applicationLayerProtocols([[UInt8]])
    /// application_layer_protocol_negotiation answered by a server: exactly one name (RFC 7301 §3.1).
    case selectedApplicationProtocol([UInt8])
    /// extended_master_secret (RFC 7627 §5.1), TLS 1.2 only: empty.
    case extendedMasterSecret
    /// record_size_limit (RFC 8449 §4): a value below 64 is `illegal_parameter`.
    case recordSizeLimit(UInt16)
    /// session_ticket (RFC 5077 §3.2), TLS 1.2 only: the ticket, possibly empty.
    case sessionTicket([UInt8])
    /// pre_shared_key in a ClientHello (RFC 8446 §4.2.11); must be the last extension.
    case preSharedKeyOffer(OfferedPSKs)
    /// pre_shared_key in a ServerHello: the index of the chosen identity (RFC 8446 §4.2.11).
    case preSharedKeySelected(UInt16)
    /// early_data in a ClientHello or EncryptedExtensions: empty (RFC 8446 §4.2.10).
    case earlyData
    /// early_data in a NewSessionTicket: `uint32 max_early_data_size` (RFC 8446 §4.2.10).
    case maxEarlyDataSize(UInt32)
    /// supported_versions in a ClientHello (RFC 8446 §4.2.1): `versions<2..254>`, 1-byte length.
    case supportedVersionsClientHello(CodePointList<ProtocolVersion>)
    /// supported_versions in a ServerHello or HelloRetryRequest: the selected version.
    case supportedVersionsSelected(ProtocolVersion)
    /// cookie (RFC 8446 §4.2.2): `opaque cookie<1..2^16-1>`.
    case cookie([UInt8])
    /// psk_key_exchange_modes (RFC 8446 §4.2.9): `ke_modes<1..255>`.
    case pskKeyExchangeModes([PSKKeyExchangeMode])
    /// post_handshake_auth (RFC 8446 §4.2.6): empty.
    case postHandshakeAuth
    /// key_share in a ClientHello (RFC 8446 §4.2.8): `client_shares<0..2^16-1>`, possibly empty.
    case keyShareClientHello([KeyShareEntry])
    /// key_share in a ServerHello: the server's one share.
    case keyShareServerHello(KeyShareEntry)
    /// key_share in a HelloRetryRequest: the group the client must use.
    case keyShareHelloRetryRequest(NamedGroup)
    /// ticket_request in a ClientHello (RFC 9149 §3).
    case ticketRequest(newSessionCount: UInt8, resumptionCount: UInt8)
    /// ticket_request in EncryptedExtensions (RFC 9149 §3): tickets the server expects to send.
    case ticketRequestExpectedCount(UInt8)
    /// renegotiation_info (RFC 5746 §3.2): `opaque renegotiated_connection<0..255>`.
    case renegotiationInfo([UInt8])
    /// Any other extension, kept unparsed.
    case unknown(ExtensionType, [UInt8])

    /// The extension's code point.
    package var type: ExtensionType {
        switch self {
        case .serverName, .serverNameAcknowledged: return .serverName
        case .maxFragmentLength: return .maxFragmentLength
        case .supportedGroups: return .supportedGroups
        case .signatureAlgorithms: return .signatureAlgorithms
        case .signatureAlgorithmsCert: return .signatureAlgorithmsCert
        case .applicationLayerProtocols, .selectedApplicationProtocol: return .applicationLayerProtocolNegotiation
        case .extendedMasterSecret: return .extendedMasterSecret
        case .recordSizeLimit: return .recordSizeLimit
        case .sessionTicket: return .sessionTicket
        case .preSharedKeyOffer, .preSharedKeySelected: return .preSharedKey
        case .earlyData, .maxEarlyDataSize: return .earlyData
        case .supportedVersionsClientHello, .supportedVersionsSelected: return .supportedVersions
        case .cookie: return .cookie
        case .pskKeyExchangeModes: return .pskKeyExchangeModes
        case .postHandshakeAuth: return .postHandshakeAuth
        case .keyShareClientHello, .keyShareServerHello, .keyShareHelloRetryRequest: return .keyShare
        case .ticketRequest, .ticketRequestExpectedCount: return .ticketRequest
        case .renegotiationInfo: return .renegotiationInfo
        case .unknown(let type, _): return type
        }
    }
}

// MARK: - Where each modelled extension may appear

extension ExtensionContext {
    /// Whether a modelled extension type is specified for this message: RFC 8446 §4.2's table,
    /// plus the TLS 1.2 ServerHello extensions (RFC 6066, 7301, 7627, 5077, 5746, 8449).
    /// Types the library does not model are always allowed and kept as `Extension.unknown`.
    func permits(_ type: ExtensionType) -> Bool {
        switch type {
        case .serverName, .maxFragmentLength, .applicationLayerProtocolNegotiation, .recordSizeLimit:
            return self == .clientHello || self == .serverHello || self == .encryptedExtensions
        case .supportedGroups, .ticketRequest:
            return self == .clientHello || self == .encryptedExtensions
        case .signatureAlgorithms, .signatureAlgorithmsCert:
            return self == .clientHello || self == .certificateRequest
        case .extendedMasterSecret, .sessionTicket, .renegotiationInfo, .preSharedKey:
            return self == .clientHello || self == .serverHello
        case .earlyData:
            return self == .clientHello || self == .encryptedExtensions || self == .newSessionTicket
        case .supportedVersions, .keyShare:
            return self == .clientHello || self == .serverHello || self == .helloRetryRequest
        case .cookie:
            return self == .clientHello || self == .helloRetryRequest
        case .pskKeyExchangeModes, .postHandshakeAuth:
            return self == .clientHello
        default:
            return true
        }
    }
}

// MARK: - Body codec

extension Extension {
    /// Decodes one extension body of `type` as it appears in `context`.
    ///
    /// The whole body must be consumed (trailing bytes are `decode_error`); a recognised type in
    /// a message it is not specified for is `illegal_parameter` (RFC 8446 §4.2).
    package init(type: ExtensionType, body: ArraySlice<UInt8>, context: ExtensionContext) throws {
        guard context.permits(type) else {
            throw TLSError.illegalParameter("\(type) extension not allowed in \(context)")
        }
        var reader = ByteReader(body)
        self = try Extension.decodeBody(type: type, reader: &reader, context: context)
        try reader.expectEnd("extension body")
    }

    private static func decodeBody(
        type: ExtensionType, reader: inout ByteReader, context: ExtensionContext
    ) throws -> Extension {
        let fromClient = context == .clientHello
        switch type {
        case .serverName:
            if !fromClient { return .serverNameAcknowledged }
            return .serverName(try decodeServerNameList(&reader))
        case .maxFragmentLength:
            let code = try reader.readUInt8("max_fragment_length")
            guard let value = MaxFragmentLength(rawValue: code) else {
                throw TLSError.illegalParameter("max_fragment_length \(code) not in 1...4")
            }
            return .maxFragmentLength(value)
        case .supportedGroups:
            return .supportedGroups(try reader.readCodePointList(minLength: 2, maxCount: PeerListLimits.supportedGroups, "named_group_list"))
        case .signatureAlgorithms:
            return .signatureAlgorithms(try reader.readCodePointList(minLength: 2, maxLength: 0xFFFE, maxCount: PeerListLimits.signatureSchemes, "signature_algorithms"))
        case .signatureAlgorithmsCert:
            return .signatureAlgorithmsCert(try reader.readCodePointList(minLength: 2, maxLength: 0xFFFE, maxCount: PeerListLimits.signatureSchemes, "signature_algorithms_cert"))
        case .applicationLayerProtocolNegotiation:
            var list = try reader.readVector(prefixBytes: 2, minLength: 2, "protocol_name_list")
            var names: [[UInt8]] = []
            while !list.isEmpty {
                names.append(try list.readOpaque(prefixBytes: 1, minLength: 1, "ProtocolName"))
                try PeerListLimits.check(names.count, PeerListLimits.applicationProtocols, "protocol_name_list")
            }
            if fromClient { return .applicationLayerProtocols(names) }
            // The server's answer names exactly one protocol (RFC 7301 §3.1).
            guard names.count == 1, let selected = names.first else {
                throw TLSError.decodeError("ALPN answer carries \(names.count) protocols, not 1")
            }
            return .selectedApplicationProtocol(selected)
        case .extendedMasterSecret:
            return .extendedMasterSecret
        case .recordSizeLimit:
            let limit = try reader.readUInt16("record_size_limit")
            guard limit >= 64 else {
                throw TLSError.illegalParameter("record_size_limit \(limit) below 64")
            }
            return .recordSizeLimit(limit)
        case .sessionTicket:
            return .sessionTicket(Array(reader.readRemaining()))
        case .preSharedKey:
            if fromClient { return .preSharedKeyOffer(try OfferedPSKs(parsing: &reader)) }
            return .preSharedKeySelected(try reader.readUInt16("selected_identity"))
        case .earlyData:
            if context == .newSessionTicket { return .maxEarlyDataSize(try reader.readUInt32("max_early_data_size")) }
            return .earlyData
        case .supportedVersions:
            if fromClient {
                return .supportedVersionsClientHello(try reader.readCodePointList(prefixBytes: 1, minLength: 2, maxLength: 254, "supported_versions"))
            }
            return .supportedVersionsSelected(ProtocolVersion(rawValue: try reader.readUInt16("selected_version")))
        case .cookie:
            return .cookie(try reader.readOpaque(prefixBytes: 2, minLength: 1, "cookie"))
        case .pskKeyExchangeModes:
            return .pskKeyExchangeModes(try reader.readOpaqueSlice(prefixBytes: 1, minLength: 1, "ke_modes").map(PSKKeyExchangeMode.init(rawValue:)))
        case .postHandshakeAuth:
            return .postHandshakeAuth
        case .keyShare:
            switch context {
            case .helloRetryRequest:
                return .keyShareHelloRetryRequest(NamedGroup(rawValue: try reader.readUInt16("selected_group")))
            case .serverHello:
                return .keyShareServerHello(try KeyShareEntry(parsing: &reader))
            default:
                var list = try reader.readVector(prefixBytes: 2, "client_shares")
                var entries: [KeyShareEntry] = []
                while !list.isEmpty {
                    entries.append(try KeyShareEntry(parsing: &list))
                    try PeerListLimits.check(entries.count, PeerListLimits.keyShares, "client_shares")
                }
                return .keyShareClientHello(entries)
            }
        case .ticketRequest:
            if fromClient {
                let newSessionCount = try reader.readUInt8("new_session_count")
                let resumptionCount = try reader.readUInt8("resumption_count")
                return .ticketRequest(newSessionCount: newSessionCount, resumptionCount: resumptionCount)
            }
            return .ticketRequestExpectedCount(try reader.readUInt8("expected_count"))
        case .renegotiationInfo:
            return .renegotiationInfo(try reader.readOpaque(prefixBytes: 1, "renegotiated_connection"))
        default:
            return .unknown(type, Array(reader.readRemaining()))
        }
    }

    /// RFC 6066 §3: `ServerName server_name_list<1..2^16-1>`. This library accepts exactly one
    /// entry, of type host_name (0), as every TLS 1.3 stack sends; anything else is
    /// `illegal_parameter` because other name types have no defined body.
    private static func decodeServerNameList(_ reader: inout ByteReader) throws -> String {
        var list = try reader.readVector(prefixBytes: 2, minLength: 1, "server_name_list")
        let nameType = try list.readUInt8("name_type")
        guard nameType == 0 else {
            throw TLSError.illegalParameter("server_name type \(nameType) is not host_name")
        }
        // DNS names are at most 253 bytes; a longer one could not be kept in a ticket (L4).
        let host = try list.readOpaqueSlice(prefixBytes: 2, minLength: 1, "HostName")
        guard host.count <= 255 else {
            throw TLSError.illegalParameter("server_name of \(host.count) bytes, more than 255")
        }
        guard list.isEmpty else {
            throw TLSError.illegalParameter("server_name_list carries more than one name")
        }
        // HostName is ASCII (RFC 6066 §3); control bytes such as NUL would let one name pass for another.
        guard host.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw TLSError.illegalParameter("server_name is not printable ASCII")
        }
        return String(decoding: host, as: UTF8.self)
    }

    /// Writes this extension's body (without the type and length).
    package func encodeBody(into writer: inout ByteWriter) throws {
        switch self {
        case .serverName(let host):
            let bytes = Array(host.utf8)
            guard !bytes.isEmpty else { throw TLSError.internalError("empty server_name") }
            try writer.writeVector(prefixBytes: 2) { w in
                w.writeUInt8(0)
                try w.writeOpaque(prefixBytes: 2, bytes)
            }
        case .serverNameAcknowledged, .extendedMasterSecret, .earlyData, .postHandshakeAuth:
            break
        case .maxFragmentLength(let value):
            writer.writeUInt8(value.rawValue)
        case .supportedGroups(let groups):
            try Self.requireNonEmpty(groups, "supported_groups")
            try writer.writeCodePoints(groups)
        case .signatureAlgorithms(let schemes), .signatureAlgorithmsCert(let schemes):
            try Self.requireNonEmpty(schemes, "signature_algorithms")
            try writer.writeCodePoints(schemes)
        case .applicationLayerProtocols(let names):
            try Self.requireNonEmpty(names, "ALPN protocol list")
            try writer.writeVector(prefixBytes: 2) { w in
                for name in names {
                    try Self.requireNonEmpty(name, "ALPN protocol name")
                    try w.writeOpaque(prefixBytes: 1, name)
                }
            }
        case .selectedApplicationProtocol(let name):
            try Self.requireNonEmpty(name, "ALPN protocol name")
            try writer.writeVector(prefixBytes: 2) { w in try w.writeOpaque(prefixBytes: 1, name) }
        case .recordSizeLimit(let limit):
            writer.writeUInt16(limit)
        case .sessionTicket(let ticket):
            writer.writeBytes(ticket)
        case .preSharedKeyOffer(let offer):
            try offer.encode(into: &writer)
        case .preSharedKeySelected(let index):
            writer.writeUInt16(index)
        case .maxEarlyDataSize(let size):
            writer.writeUInt32(size)
        case .supportedVersionsClientHello(let versions):
            try Self.requireNonEmpty(versions, "supported_versions")
            try writer.writeCodePoints(versions, prefixBytes: 1)
        case .supportedVersionsSelected(let version):
            writer.writeUInt16(version.rawValue)
        case .cookie(let cookie):
            try Self.requireNonEmpty(cookie, "cookie")
            try writer.writeOpaque(prefixBytes: 2, cookie)
        case .pskKeyExchangeModes(let modes):
            try Self.requireNonEmpty(modes, "psk_key_exchange_modes")
            try writer.writeOpaque(prefixBytes: 1, modes.map(\.rawValue))
        case .keyShareClientHello(let entries):
            try writer.writeVector(prefixBytes: 2) { w in
                for entry in entries { try entry.encode(into: &w) }
            }
        case .keyShareServerHello(let entry):
            try entry.encode(into: &writer)
        case .keyShareHelloRetryRequest(let group):
            writer.writeUInt16(group.rawValue)
        case .ticketRequest(let newSessionCount, let resumptionCount):
            writer.writeUInt8(newSessionCount)
            writer.writeUInt8(resumptionCount)
        case .ticketRequestExpectedCount(let count):
            writer.writeUInt8(count)
        case .renegotiationInfo(let data):
            try writer.writeOpaque(prefixBytes: 1, data)
        case .unknown(_, let body):
            writer.writeBytes(body)
        }
    }

    /// Refuses to emit a vector the RFC requires to be non-empty, which the peer would reject.
    private static func requireNonEmpty<C: Collection>(_ value: C, _ what: String) throws {
        guard !value.isEmpty else { throw TLSError.internalError("\(what) must not be empty") }
    }
}
