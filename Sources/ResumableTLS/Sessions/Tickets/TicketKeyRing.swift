import Crypto
import Foundation
import Synchronization

/// A ticket that `TicketKeyRing.openTicket(_:)` could open.
public struct OpenedSessionTicket: Sendable, Hashable {
    /// The session state the ticket carried.
    public let state: SessionTicketState
    /// Whether the ticket was sealed under a key that no longer encrypts, so the server should
    /// issue a fresh ticket after resuming (the "renew" answer, 2, of OpenSSL's
    /// `SSL_CTX_set_tlsext_ticket_key_evp_cb` callback).
    public let shouldRenew: Bool
}

/// The ticket keys of one server context, and the sealing and opening of stateless session
/// tickets with them (S24, S25). OpenSSL's ticket-key machinery:
/// `SSL_CTX_set_tlsext_ticket_key_evp_cb` (the per-ticket key choice), and
/// `SSL_CTX_set_tlsext_ticket_keys` (installing shared keys).
///
/// **Ticket format.** `key_name (16) ‖ nonce (12) ‖ AES-256-GCM(state) ‖ tag (16)`, with the
/// key name as additional authenticated data: RFC 5077 §4's recommended construction with an
/// AEAD in place of AES-CBC + HMAC. The plaintext is `SessionTicketState.encoded()`. A ticket
/// is at most `maximumTicketLength` bytes (TLS 1.3's `ticket<1..2^16-1>`). Nonces are random,
/// so a key seals at most `maximumSealsPerKey` tickets (2^30, a quarter of NIST SP 800-38D's
/// 2^32 for random 96-bit nonces; security review L6): then a generated ring rotates at once,
/// and an outside key stops sealing until a newer key is installed.
///
/// **Keys and rotation (S25).** Each key has an *encrypt window* and a *decrypt deadline*:
/// - Generated keys (the default, `init(clock:rotationInterval:maximumTicketLifetime:)`): a key
///   encrypts from its creation until `creation + rotationInterval` (default 24 h). Rotation is
///   lazy, with no timer: the first `seal`/`open` that sees the clock past that point makes a
///   new key. So a key's windows are fixed when it is made, whatever the traffic.
/// - Outside keys (a key file, a `TicketKeySource`, `install(_:)`): sorted by `notBefore`; a
///   key encrypts from its `notBefore` until the next key's `notBefore`, and never longer than
///   `maximumKeyAge` (default 30 days; security review L6): a key file nobody rotates stops
///   producing tickets rather than using one key for ever. Keys whose `notBefore` has not
///   passed already decrypt, so a fleet whose clocks differ a little still opens each other's
///   tickets.
/// - **Decrypt deadline rule:** a key opens tickets until `maximumTicketLifetime` after its
///   encrypt window ends (default 7 days, RFC 8446's cap), i.e. for a generated key
///   `rotationInterval + maximumTicketLifetime` after it was made. The last ticket a key seals
///   is sealed just before its window ends and lives at most `maximumTicketLifetime`, so no
///   ticket that is still valid is ever orphaned by rotation. Past the deadline the key is
///   dropped and its tickets no longer open.
///
/// **Failure.** `open` returns `nil` (never throws) for a ticket it cannot open: too short or
/// long, an unknown or retired key name, a failed tag check (tampered bytes), or a state that
/// does not decode. A bad ticket must only cost a full handshake, never the connection.
/// Constant-time tag comparison is swift-crypto's.
///
/// **Threads.** `Sendable`: the keys are behind a `Mutex`; sealing and opening run outside it.
public final class TicketKeyRing: Sendable {
    /// The default rotation interval for generated keys: 24 hours.
    public static let defaultRotationInterval: TimeInterval = 86_400
    /// The most keys a ring holds (outside keys; generated rings hold a handful).
    public static let maximumKeyCount = 1_024
    /// The longest ticket sealed or opened: 65,535 bytes (`opaque ticket<1..2^16-1>`).
    public static let maximumTicketLength = 65_535
    /// Bytes a ticket adds to its state: key name, nonce and tag.
    public static let ticketOverhead = TicketKey.nameLength + 12 + 16

    /// Where the ring's keys come from.
    public enum KeyOrigin: Sendable, Hashable {
        /// Generated in this process and rotated every `rotationInterval`.
        case generated
        /// Installed from outside (a key file, a source, `install(_:)`); rotation follows the
        /// keys' `notBefore` times.
        case external
    }

    private struct Entry: Sendable {
        let key: TicketKey
        /// The first instant the key no longer encrypts (earlier for a generated key that
        /// sealed `maximumSealsPerKey` tickets).
        var encryptUntil: Date
        /// The first instant the key no longer decrypts.
        let decryptUntil: Date
        /// Tickets sealed with the key by this ring.
        var sealed: UInt64 = 0
    }

    private struct State: Sendable {
        var origin: KeyOrigin
        /// Sorted by `notBefore`.
        var entries: [Entry]
    }

    /// Where the ring reads the time for rotation and retirement.
    public let clock: any TLSClock
    /// How long a generated key encrypts before the next one takes over (generated keys only).
    public let rotationInterval: TimeInterval
    /// How long a ticket may live; a retired key decrypts for this long after it stops
    /// encrypting.
    public let maximumTicketLifetime: TimeInterval
    /// The source `reload()` reads, if the ring was made from one.
    public let source: (any TicketKeySource)?
    /// The most tickets one key seals (random nonces; L6). Default `defaultMaximumSealsPerKey`.
    public let maximumSealsPerKey: UInt64
    /// The longest an outside key encrypts after its `notBefore` when no newer key replaces it.
    public let maximumKeyAge: TimeInterval

    /// 2^30 tickets per key.
    public static let defaultMaximumSealsPerKey: UInt64 = 1 << 30
    /// 30 days.
    public static let defaultMaximumKeyAge: TimeInterval = 30 * 86_400

    private let state: Mutex<State>

    /// A ring of keys generated in-process (the default; OpenSSL's behaviour when no keys are
    /// set, plus rotation). `rotationInterval` below one second is taken as one second;
    /// `maximumTicketLifetime` is clamped to 0…7 days.
    public init(
        clock: any TLSClock = SystemClock(),
        rotationInterval: TimeInterval = TicketKeyRing.defaultRotationInterval,
        maximumTicketLifetime: TimeInterval = TLSSession.maximumTLS13Lifetime,
        maximumSealsPerKey: UInt64 = TicketKeyRing.defaultMaximumSealsPerKey
    ) {
        self.clock = clock
        self.rotationInterval = rotationInterval.isFinite ? max(1, rotationInterval) : Self.defaultRotationInterval
        self.maximumTicketLifetime = Self.clampedLifetime(maximumTicketLifetime)
        self.source = nil
        self.maximumSealsPerKey = max(1, maximumSealsPerKey)
        self.maximumKeyAge = Self.defaultMaximumKeyAge
        let first = TicketKey.generate(notBefore: clock.now())
        let encryptUntil = first.notBefore.addingTimeInterval(self.rotationInterval)
        self.state = Mutex(State(origin: .generated, entries: [
            Entry(key: first, encryptUntil: encryptUntil,
                  decryptUntil: encryptUntil.addingTimeInterval(self.maximumTicketLifetime)),
        ]))
    }

    /// A ring of outside keys (`SSL_CTX_set_tlsext_ticket_keys`), rotating by their
    /// `notBefore` times. Throws `TicketKeyError` for no keys, too many, or duplicate names.
    public init(
        keys: [TicketKey],
        clock: any TLSClock = SystemClock(),
        maximumTicketLifetime: TimeInterval = TLSSession.maximumTLS13Lifetime,
        source: (any TicketKeySource)? = nil,
        maximumSealsPerKey: UInt64 = TicketKeyRing.defaultMaximumSealsPerKey,
        maximumKeyAge: TimeInterval = TicketKeyRing.defaultMaximumKeyAge
    ) throws {
        self.clock = clock
        self.rotationInterval = Self.defaultRotationInterval
        self.maximumTicketLifetime = Self.clampedLifetime(maximumTicketLifetime)
        self.source = source
        self.maximumSealsPerKey = max(1, maximumSealsPerKey)
        self.maximumKeyAge = maximumKeyAge.isFinite ? max(0, maximumKeyAge) : Self.defaultMaximumKeyAge
        let entries = try Self.externalEntries(keys, maximumTicketLifetime: self.maximumTicketLifetime, maximumKeyAge: self.maximumKeyAge)
        self.state = Mutex(State(origin: .external, entries: entries))
    }

    /// A ring loaded from a key file (`TicketKeyFile` format), which `reload()` reads again.
    /// Throws `TicketKeyError`.
    public convenience init(
        keyFile path: String,
        clock: any TLSClock = SystemClock(),
        maximumTicketLifetime: TimeInterval = TLSSession.maximumTLS13Lifetime
    ) throws {
        let file = TicketKeyFile(path: path)
        try self.init(keys: try file.readKeys(), clock: clock, maximumTicketLifetime: maximumTicketLifetime, source: file)
    }

    /// A ring loaded from `source` (for example a shared store), which `reload()` reads again.
    public static func loading(
        from source: any TicketKeySource,
        clock: any TLSClock = SystemClock(),
        maximumTicketLifetime: TimeInterval = TLSSession.maximumTLS13Lifetime
    ) async throws -> TicketKeyRing {
        try TicketKeyRing(
            keys: try await source.loadTicketKeys(), clock: clock,
            maximumTicketLifetime: maximumTicketLifetime, source: source)
    }

    // MARK: Keys

    /// Replaces every key with `keys` (a reload; `SSL_CTX_set_tlsext_ticket_keys`). The ring
    /// becomes `.external`. On error the old keys stay. Throws `TicketKeyError`.
    public func install(_ keys: [TicketKey]) throws {
        let entries = try Self.externalEntries(keys, maximumTicketLifetime: maximumTicketLifetime, maximumKeyAge: maximumKeyAge)
        state.withLock { $0 = State(origin: .external, entries: entries) }
    }

    /// Reads `source` again and installs its keys; on error the old keys stay. Throws the
    /// source's error, or `TLSError.invalidState` when the ring has no source.
    public func reload() async throws {
        guard let source else { throw TLSError.invalidState("ticket key ring has no key source to reload") }
        try install(try await source.loadTicketKeys())
    }

    /// Where the keys come from now.
    public var origin: KeyOrigin { state.withLock { $0.origin } }

    /// The names of the keys that can open tickets now, oldest first (after lazy rotation).
    public var keyNames: [[UInt8]] {
        let now = clock.now()
        return state.withLock { state in
            advance(&state, now: now)
            return state.entries.map(\.key.name)
        }
    }

    /// The name of the key that seals tickets now, or nil when none is active.
    public var sealingKeyName: [UInt8]? {
        let now = clock.now()
        return state.withLock { state in
            advance(&state, now: now)
            return Self.sealingIndex(state, now: now).map { state.entries[$0].key.name }
        }
    }

    // MARK: Seal and open

    /// Encrypts `state` into a ticket under the current key (S24), rotating first if the
    /// clock has passed the rotation time: the encrypt half of
    /// `SSL_CTX_set_tlsext_ticket_key_evp_cb`.
    ///
    /// Throws `TicketKeyError.noActiveKey` when no outside key is active (none yet, or the
    /// newest is past `maximumKeyAge`), `TicketKeyError.keyExhausted` when the active outside
    /// key sealed `maximumSealsPerKey` tickets, and `TLSError`
    /// `internal_error` when the state cannot be encoded or would make a ticket over
    /// `maximumTicketLength` (leave out the peer certificates and try again). A server that
    /// cannot seal simply sends no ticket.
    public func seal(_ ticketState: SessionTicketState) throws -> [UInt8] {
        try sealState(ticketState)
    }

    /// Seals the state of `session` (S24): `seal(SessionTicketState(session:))`, keeping the
    /// peer certificates when `includePeerCertificates` is true and they fit, and leaving them
    /// out when they would make the ticket longer than `maximumTicketLength`. The session's
    /// fields are written straight into the ticket (no intermediate state, no copy of the secret).
    public func seal(session: TLSSession, includePeerCertificates: Bool = true) throws -> [UInt8] {
        let fields = SessionTicketFields(session, includePeerCertificates: includePeerCertificates)
        do {
            return try sealState(fields)
        } catch where !fields.peerCertificates.isEmpty {
            // Too many or too large certificates: the state without them still resumes.
            return try sealState(SessionTicketFields(session, includePeerCertificates: false))
        }
    }

    /// Encodes `fields` in place in the ticket, then picks the key and seals:
    /// `key name ‖ nonce ‖ AES-256-GCM(state) ‖ tag`, the name as additional data. Nothing is
    /// counted against a key when the state cannot be encoded.
    private func sealState(_ fields: some TicketStateFields) throws -> [UInt8] {
        let header = TicketKey.nameLength + 12
        // Room for the state's largest fixed fields (a 64-byte secret), its variable ones and
        // the tag, so that nothing is reallocated on the way.
        let variable = fields.sessionIDContext.count + (fields.serverName?.utf8.count ?? 0)
            + (fields.applicationProtocol?.utf8.count ?? 0) + fields.peerCertificates.reduce(3) { $0 + $1.count + 3 }
        var writer = ByteWriter(capacity: header + 128 + variable + 16)
        writer.writeBytes(repeatElement(0, count: header))
        do {
            try SessionTicketState.encode(fields, into: &writer)
        } catch {
            writer.zeroize()
            throw error
        }
        let body = header ..< writer.bytes.count
        guard body.count <= Self.maximumTicketLength - Self.ticketOverhead else {
            writer.zeroize()
            throw TLSError.internalError("ticket state of \(body.count) bytes makes a ticket over \(Self.maximumTicketLength) bytes")
        }
        let key: TicketKey
        do {
            key = try sealingKey()
        } catch {
            writer.zeroize()
            throw error
        }
        var ticket = writer.bytes
        writer = ByteWriter()
        ticket.replaceSubrange(0 ..< TicketKey.nameLength, with: key.name)
        ticket.withUnsafeMutableBytes { HandshakeRandom.fillUnpooled(UnsafeMutableRawBufferPointer(rebasing: $0[TicketKey.nameLength ..< header])) }
        ticket.append(contentsOf: repeatElement(0, count: 16))
        let nonce = ticket.withUnsafeBytes { RecordNonce(iv: UnsafeRawBufferPointer(rebasing: $0[TicketKey.nameLength ..< header]), sequenceNumber: 0) }
        do {
            if let aead = key.aead {
                try aead.sealInPlace(&ticket, plaintext: body, nonce: nonce, additionalData: 0 ..< TicketKey.nameLength)
            } else {
                let sealed = try AES.GCM.seal(ticket[body], using: key.symmetricKey,
                                              nonce: AES.GCM.Nonce(data: ticket[TicketKey.nameLength ..< header]), authenticating: key.name)
                ticket.replaceSubrange(body, with: sealed.ciphertext)
                ticket.replaceSubrange(body.upperBound ..< ticket.count, with: sealed.tag)
            }
        } catch {
            ticket.zeroize()
            throw error
        }
        return ticket
    }

    /// The key that seals the next ticket, counted against its `maximumSealsPerKey` (a
    /// generated ring rotates early when the newest key is used up).
    private func sealingKey() throws -> TicketKey {
        let now = clock.now()
        return try state.withLock { state -> TicketKey in
            advance(&state, now: now)
            guard var index = Self.sealingIndex(state, now: now) else { throw TicketKeyError.noActiveKey }
            if state.entries[index].sealed >= maximumSealsPerKey {
                guard state.origin == .generated else { throw TicketKeyError.keyExhausted(state.entries[index].key.nameHex) }
                // Rotate now: the used-up key keeps decrypting its tickets.
                state.entries[index].encryptUntil = now
                advance(&state, now: now, force: true)
                guard let fresh = Self.sealingIndex(state, now: now) else { throw TicketKeyError.noActiveKey }
                index = fresh
            }
            state.entries[index].sealed += 1
            return state.entries[index].key
        }
    }

    /// Decrypts a ticket a client presented (S24) and decodes its state, or returns nil if the
    /// ticket cannot be opened for any reason (wrong length, unknown or retired key, tampered
    /// bytes, undecodable state): the decrypt half of `SSL_CTX_set_tlsext_ticket_key_evp_cb`.
    ///
    /// The caller still checks the state's expiry (`isExpired(at:)`) and its context,
    /// session-ID context and SNI (S5) before resuming.
    public func open(_ ticket: [UInt8]) -> SessionTicketState? {
        openTicket(ticket)?.state
    }

    /// `open(_:)`, also saying whether the server should issue a fresh ticket because this one
    /// was sealed under a key that no longer encrypts.
    public func openTicket(_ ticket: [UInt8]) -> OpenedSessionTicket? {
        guard ticket.count > Self.ticketOverhead, ticket.count <= Self.maximumTicketLength else { return nil }
        var reader = ByteReader(ticket)
        guard let name = try? reader.readSlice(TicketKey.nameLength, "ticket key name"),
            let nonceBytes = try? reader.readSlice(12, "ticket nonce"),
            let ciphertext = try? reader.readSlice(reader.remaining - 16, "ticket ciphertext"),
            let tag = try? reader.readSlice(16, "ticket tag")
        else { return nil }

        let now = clock.now()
        let found = state.withLock { state -> (key: TicketKey, isSealingKey: Bool)? in
            advance(&state, now: now)
            guard let entry = state.entries.first(where: { $0.key.name.elementsEqual(name) }),
                now < entry.decryptUntil
            else { return nil }
            let sealingName = Self.sealingIndex(state, now: now).map { state.entries[$0].key.name }
            return (entry.key, sealingName == entry.key.name)
        }
        guard let found else { return nil }
        if let aead = found.key.aead {
            var buffer = ticket
            // Whatever the copy holds once opened (the state and its secret, or what a failed
            // open left there) is wiped when this returns.
            defer { buffer.zeroize() }
            let body = Self.ticketOverhead - 16 ..< ticket.count - 16
            // The state is decoded where it was decrypted, inside the ticket's copy.
            let nonce = nonceBytes.withUnsafeBytes { RecordNonce(iv: $0, sequenceNumber: 0) }
            guard (try? aead.openInPlace(&buffer, ciphertext: body, nonce: nonce, additionalData: 0 ..< TicketKey.nameLength)) != nil
            else { return nil }
            guard let decoded = try? SessionTicketState(decoding: buffer[body]) else { return nil }
            return OpenedSessionTicket(state: decoded, shouldRenew: !found.isSealingKey)
        } else {
            guard let nonce = try? AES.GCM.Nonce(data: nonceBytes),
                let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag),
                let opened = try? AES.GCM.open(box, using: found.key.symmetricKey, authenticating: found.key.name)
            else { return nil }
            var plaintext = [UInt8](opened)
            defer { plaintext.zeroize() }
            guard let decoded = try? SessionTicketState(decoding: plaintext) else { return nil }
            return OpenedSessionTicket(state: decoded, shouldRenew: !found.isSealingKey)
        }
    }

    // MARK: Internals

    /// Drops keys past their decrypt deadline and, for generated keys, rotates when the
    /// newest key's encrypt window has ended. Called under the lock.
    private func advance(_ state: inout State, now: Date, force: Bool = false) {
        state.entries.removeAll { now >= $0.decryptUntil }
        guard state.origin == .generated else { return }
        if !force, let newest = state.entries.last, now < newest.encryptUntil { return }
        let key = TicketKey.generate(notBefore: now)
        let encryptUntil = now.addingTimeInterval(rotationInterval)
        state.entries.append(Entry(
            key: key, encryptUntil: encryptUntil,
            decryptUntil: encryptUntil.addingTimeInterval(maximumTicketLifetime)))
    }

    /// The index of the key that encrypts at `now`: the latest whose `notBefore` has passed
    /// and whose window is open (for generated keys, the newest, even if the clock went back).
    private static func sealingIndex(_ state: State, now: Date) -> Int? {
        switch state.origin {
        case .generated:
            return state.entries.indices.last
        case .external:
            return state.entries.lastIndex { $0.key.notBefore <= now && now < $0.encryptUntil }
        }
    }

    private static func externalEntries(_ keys: [TicketKey], maximumTicketLifetime: TimeInterval, maximumKeyAge: TimeInterval) throws -> [Entry] {
        guard !keys.isEmpty else { throw TicketKeyError.noKeys }
        guard keys.count <= maximumKeyCount else {
            throw TicketKeyError.tooManyKeys(count: keys.count, limit: maximumKeyCount)
        }
        var names = Set<[UInt8]>()
        for key in keys where !names.insert(key.name).inserted {
            throw TicketKeyError.duplicateKeyName(key.nameHex)
        }
        let sorted = keys.sorted { $0.notBefore < $1.notBefore }
        return sorted.enumerated().map { index, key in
            let successor = sorted.dropFirst(index + 1).first
            let encryptUntil = min(successor?.notBefore ?? .distantFuture, key.notBefore.addingTimeInterval(maximumKeyAge))
            return Entry(key: key, encryptUntil: encryptUntil,
                         decryptUntil: encryptUntil.addingTimeInterval(maximumTicketLifetime))
        }
    }

    private static func clampedLifetime(_ lifetime: TimeInterval) -> TimeInterval {
        guard lifetime.isFinite else { return TLSSession.maximumTLS13Lifetime }
        return min(max(0, lifetime), TLSSession.maximumTLS13Lifetime)
    }
}
