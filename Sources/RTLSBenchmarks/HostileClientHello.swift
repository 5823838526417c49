import Foundation
import ResumableTLS

/// ClientHellos built to make a server work as hard as possible before any authentication
/// (security review M1), from a real ClientHello of our client: `ClientHelloCostBench` times
/// them and the hostile-peer tests assert how the server answers them.
package enum HostileClientHello {
    /// A list of a ClientHello whose length the server caps (`PeerListLimits`).
    package enum CappedList: String, CaseIterable, Sendable {
        case extensions, cipherSuites, supportedGroups, keyShares, signatureSchemes, applicationProtocols, pskIdentities
    }

    /// The ClientHello in the first record of `records` (what our client's `takeOutput()` gives
    /// after `startHandshake()`).
    package static func parse(firstRecordOf records: [UInt8]) throws -> ClientHello {
        guard records.count > 5 else { throw BenchError("no ClientHello record") }
        let length = Int(records[3]) << 8 | Int(records[4])
        guard records.count >= 5 + length,
              case .clientHello(let hello) = try HandshakeMessage(parsingMessage: Array(records[5..<(5 + length)]), context: .initial)
        else { throw BenchError("the first record is not one whole ClientHello") }
        return hello
    }

    /// `hello` as handshake records of at most 2^14 bytes each (RFC 8446 §5.1).
    package static func records(_ hello: ClientHello) throws -> [UInt8] {
        let message = try HandshakeMessage.clientHello(hello).encode()
        var records: [UInt8] = []
        var offset = 0
        while offset < message.count {
            let end = min(offset + 16_384, message.count)
            let length = end - offset
            records += [22, 0x03, 0x03, UInt8(length >> 8), UInt8(length & 0xFF)]
            records += message[offset..<end]
            offset = end
        }
        return records
    }

    /// Every capped list at its cap, with what the server accepts last in each list (the
    /// client's real key share, `http/1.1`, ECDSA P-256, the base's suites), 32 PSK identities
    /// the server cannot redeem, and unknown extensions up to 128 in all, padded so the
    /// extension block is 65,535 bytes: a ClientHello the server accepts (a full handshake).
    /// `base` must carry a key share the server supports and psk_key_exchange_modes.
    package static func maximalAccepted(from base: ClientHello) throws -> ClientHello {
        guard case .keyShareClientHello(let baseShares)? = base.extensions[.keyShare], let realShare = baseShares.first,
              case .pskKeyExchangeModes(let modes)? = base.extensions[.pskKeyExchangeModes] else {
            throw BenchError("the base ClientHello needs a key share and psk_key_exchange_modes")
        }
        var hello = base
        hello.cipherSuites = CodePointList(fillerSuites(PeerListLimits.cipherSuites - base.cipherSuites.count) + base.cipherSuites)
        let shareGroups = (0..<(PeerListLimits.keyShares - 1)).map { NamedGroup(rawValue: 0x2000 + UInt16($0)) }
        let fillerGroups = (0..<(PeerListLimits.supportedGroups - shareGroups.count - 1)).map { NamedGroup(rawValue: 0x3000 + UInt16($0)) }
        var extensions: [Extension] = []
        if let name = base.extensions[.serverName] { extensions.append(name) }
        extensions.append(.supportedVersionsClientHello([.tls13]))
        extensions.append(.supportedGroups(CodePointList(fillerGroups + shareGroups.reversed() + [realShare.group])))
        extensions.append(.keyShareClientHello(shareGroups.map { KeyShareEntry(group: $0, keyExchange: [0x01]) } + [realShare]))
        extensions.append(.signatureAlgorithms(CodePointList(fillerSchemes(PeerListLimits.signatureSchemes - 1) + [.ecdsaSecp256r1SHA256])))
        extensions.append(.applicationLayerProtocols(
            (0..<(PeerListLimits.applicationProtocols - 1)).map { [UInt8](repeating: 0x61 + UInt8($0 % 26), count: 200) } + [Array("http/1.1".utf8)]))
        extensions.append(.pskKeyExchangeModes(modes))
        let unknownCount = PeerListLimits.extensions - extensions.count - 1
        let psk = Extension.preSharedKeyOffer(unredeemableOffer(identities: PeerListLimits.pskIdentities))
        // Unknown extensions take whatever room is left in the 65,535-byte block.
        let bare = try encodedBlockLength(extensions + unknownExtensions(count: unknownCount, totalBody: 0) + [psk])
        extensions += unknownExtensions(count: unknownCount, totalBody: max(0, 0xFFFF - bare))
        extensions.append(psk)
        hello.extensions = ExtensionList(extensions)
        return hello
    }

    /// The ClientHello the review describes: ~5,400 key shares of distinct unsupported groups
    /// and ~19,000 supported_groups entries with the share groups last, in reverse order — about
    /// 10^8 comparisons for a quadratic check. Refused now (`illegal_parameter`).
    package static func reviewM1(from base: ClientHello) throws -> ClientHello {
        let shareCount = 5_400, groupCount = 19_000
        let shareGroups = (0..<shareCount).map { NamedGroup(rawValue: 0x1000 + UInt16($0)) }
        let fillers = (0..<(groupCount - shareCount)).map { NamedGroup(rawValue: 0x4000 + UInt16($0)) }
        var extensions = base.extensions.extensions.filter { ![.supportedGroups, .keyShare, .preSharedKey, .applicationLayerProtocolNegotiation].contains($0.type) }
        extensions.append(.supportedGroups(CodePointList(fillers + shareGroups.reversed())))
        extensions.append(.keyShareClientHello(shareGroups.map { KeyShareEntry(group: $0, keyExchange: [0x01]) }))
        var hello = base
        hello.extensions = ExtensionList(extensions)
        return hello
    }

    /// `base` with `list` one entry over its cap; everything else as the base had it.
    package static func overCap(_ list: CappedList, from base: ClientHello) throws -> ClientHello {
        var hello = base
        var extensions = base.extensions.extensions
        func replace(_ replacement: Extension) {
            extensions.removeAll { $0.type == replacement.type }
            // pre_shared_key stays last (RFC 8446 §4.2.11).
            let end = extensions.last?.type == .preSharedKey ? extensions.count - 1 : extensions.count
            extensions.insert(replacement, at: end)
        }
        switch list {
        case .extensions:
            let missing = PeerListLimits.extensions + 1 - extensions.count
            let end = extensions.last?.type == .preSharedKey ? extensions.count - 1 : extensions.count
            extensions.insert(contentsOf: unknownExtensions(count: missing, totalBody: 0), at: end)
        case .cipherSuites:
            hello.cipherSuites = CodePointList(fillerSuites(PeerListLimits.cipherSuites + 1 - base.cipherSuites.count) + base.cipherSuites)
        case .supportedGroups:
            guard case .supportedGroups(let groups)? = base.extensions[.supportedGroups] else { throw BenchError("no supported_groups") }
            let fillers: [NamedGroup] = (0..<(PeerListLimits.supportedGroups + 1 - groups.count)).map { NamedGroup(rawValue: 0x3000 + UInt16($0)) }
            replace(.supportedGroups(CodePointList(fillers + groups)))
        case .keyShares:
            let groups = (0..<(PeerListLimits.keyShares + 1)).map { NamedGroup(rawValue: 0x2000 + UInt16($0)) }
            replace(.supportedGroups(CodePointList(groups)))
            replace(.keyShareClientHello(groups.map { KeyShareEntry(group: $0, keyExchange: [0x01]) }))
        case .signatureSchemes:
            replace(.signatureAlgorithms(CodePointList(fillerSchemes(PeerListLimits.signatureSchemes) + [.ecdsaSecp256r1SHA256])))
        case .applicationProtocols:
            replace(.applicationLayerProtocols((0...PeerListLimits.applicationProtocols).map { Array("p\($0)".utf8) }))
        case .pskIdentities:
            if base.extensions[.pskKeyExchangeModes] == nil { replace(.pskKeyExchangeModes([.pskDHEKE])) }
            extensions.removeAll { $0.type == .preSharedKey }
            extensions.append(.preSharedKeyOffer(unredeemableOffer(identities: PeerListLimits.pskIdentities + 1)))
        }
        hello.extensions = ExtensionList(extensions)
        return hello
    }

    // MARK: Parts

    /// Suite code points no one defines (0x10xx–0x11xx; TLS 1.3 suites are 0x13xx).
    private static func fillerSuites(_ count: Int) -> [CipherSuite] {
        (0..<max(0, count)).map { CipherSuite(rawValue: 0x1000 + UInt16($0)) }
    }

    /// Signature scheme code points in the private-use range (RFC 8446 §4.2.3: 0xFE00–0xFFFF).
    private static func fillerSchemes(_ count: Int) -> [SignatureScheme] {
        (0..<max(0, count)).map { SignatureScheme(rawValue: 0xFE00 + UInt16($0)) }
    }

    /// `count` extensions of unassigned types (0xF000 + i) sharing `totalBody` bytes of body.
    private static func unknownExtensions(count: Int, totalBody: Int) -> [Extension] {
        guard count > 0 else { return [] }
        return (0..<count).map { index in
            let size = totalBody / count + (index < totalBody % count ? 1 : 0)
            return .unknown(ExtensionType(rawValue: 0xF000 + UInt16(index)), [UInt8](repeating: 0xAB, count: size))
        }
    }

    /// A PSK offer of `identities` random 100-byte tickets no server issued, with 32-byte binders.
    private static func unredeemableOffer(identities: Int) -> OfferedPSKs {
        var generator = SystemRandomNumberGenerator()
        return OfferedPSKs(
            identities: (0..<identities).map { _ in
                PSKIdentity(identity: (0..<100).map { _ in UInt8.random(in: 0...255, using: &generator) }, obfuscatedTicketAge: 0)
            },
            binders: Array(repeating: [UInt8](repeating: 0x5A, count: 32), count: identities))
    }

    /// The length of an extension block's contents (without its 2-byte prefix).
    private static func encodedBlockLength(_ extensions: [Extension]) throws -> Int {
        var total = 0
        for ext in extensions {
            var body = ByteWriter()
            try ext.encodeBody(into: &body)
            total += 4 + body.bytes.count
        }
        return total
    }
}
