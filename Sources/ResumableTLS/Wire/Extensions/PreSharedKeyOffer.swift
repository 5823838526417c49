/// One PSK identity offered by a client (RFC 8446 §4.2.11).
///
///     struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
package struct PSKIdentity: Sendable, Hashable {
    /// The ticket or external PSK label; never empty.
    package var identity: [UInt8]
    /// The ticket age in milliseconds plus `ticket_age_add`, modulo 2^32 (RFC 8446 §4.2.11.1).
    package var obfuscatedTicketAge: UInt32

    /// An identity with its obfuscated age.
    package init(identity: [UInt8], obfuscatedTicketAge: UInt32) {
        self.identity = identity
        self.obfuscatedTicketAge = obfuscatedTicketAge
    }
}

/// The ClientHello body of pre_shared_key: identities and their binders (RFC 8446 §4.2.11).
///
///     struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
///     opaque PskBinderEntry<32..255>;
///
/// The binders are the last bytes of the ClientHello; see `ClientHello.truncatedForBinders(_:)`
/// and `ClientHello.patchBinders(in:with:)`.
package struct OfferedPSKs: Sendable, Hashable {
    /// The identities, in the client's preference order; never empty.
    package var identities: [PSKIdentity]
    /// One HMAC per identity, in the same order; each 32...255 bytes.
    package var binders: [[UInt8]]

    /// An offer; `binders.count` must equal `identities.count` for it to encode.
    package init(identities: [PSKIdentity], binders: [[UInt8]]) {
        self.identities = identities
        self.binders = binders
    }

    /// The encoded size of the binders vector including its 2-byte length: what follows the
    /// truncated ClientHello that binders are computed over (RFC 8446 §4.2.11.2).
    package var bindersEncodedLength: Int {
        2 + binders.reduce(0) { $0 + 1 + $1.count }
    }

    init(parsing reader: inout ByteReader) throws {
        var identityList = try reader.readVector(prefixBytes: 2, minLength: 7, "PSK identities")
        var identities: [PSKIdentity] = []
        while !identityList.isEmpty {
            let identity = try identityList.readOpaque(prefixBytes: 2, minLength: 1, "PSK identity")
            let age = try identityList.readUInt32("obfuscated_ticket_age")
            identities.append(PSKIdentity(identity: identity, obfuscatedTicketAge: age))
            try PeerListLimits.check(identities.count, PeerListLimits.pskIdentities, "PSK identities")
        }
        var binderList = try reader.readVector(prefixBytes: 2, minLength: 33, "PSK binders")
        var binders: [[UInt8]] = []
        while !binderList.isEmpty {
            binders.append(try binderList.readOpaque(prefixBytes: 1, minLength: 32, maxLength: 255, "PSK binder"))
            try PeerListLimits.check(binders.count, PeerListLimits.pskIdentities, "PSK binders")
        }
        // Each identity is bound by the binder at the same index (RFC 8446 §4.2.11).
        guard binders.count == identities.count else {
            throw TLSError.illegalParameter("\(identities.count) PSK identities but \(binders.count) binders")
        }
        self.identities = identities
        self.binders = binders
    }

    func encode(into writer: inout ByteWriter) throws {
        guard !identities.isEmpty, binders.count == identities.count else {
            throw TLSError.internalError("PSK offer needs one binder per identity and at least one identity")
        }
        try writer.writeVector(prefixBytes: 2) { w in
            for identity in identities {
                try w.writeOpaque(prefixBytes: 2, identity.identity)
                w.writeUInt32(identity.obfuscatedTicketAge)
            }
        }
        try writer.writeVector(prefixBytes: 2) { w in
            for binder in binders {
                guard (32...255).contains(binder.count) else {
                    throw TLSError.internalError("PSK binder of \(binder.count) bytes")
                }
                try w.writeOpaque(prefixBytes: 1, binder)
            }
        }
    }
}
