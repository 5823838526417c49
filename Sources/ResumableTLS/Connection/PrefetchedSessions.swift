/// The sessions the tickets of one ClientHello stand for, resolved by the connection before
/// the handshake state machine reads them (S21, S23). Confined to its connection's thread;
/// results of an asynchronous lookup arrive through `asyncResults` and are absorbed on it.
final class PrefetchedSessions {
    private var sessions: [OfferedIdentityKey: TLSSession?] = [:]
    /// Identities whose ticket should be replaced by a fresh one when it resumes.
    private var renewals: Set<OfferedIdentityKey> = []
    /// Why identities without a session have none, where it is not simply unknown: their get
    /// callback, store or replay registry did not answer (S23), or the registry saw them used.
    private var declineReasons: [OfferedIdentityKey: ResumptionDeclineReason] = [:]
    /// Whether the fleet's ClientHello record saw this ClientHello for the first time (S29);
    /// nil when it was not asked.
    private(set) var clientHelloFirstSeen: Bool?
    /// Where an asynchronous lookup leaves its results.
    private(set) lazy var asyncResults = AsyncSessionResults()   // made only when a lookup is needed

    func contains(_ identity: [UInt8]) -> Bool { !sessions.isEmpty && sessions.keys.contains(OfferedIdentityKey(identity)) }

    func store(_ session: TLSSession?, for identity: [UInt8], renew: Bool = false) {
        sessions[OfferedIdentityKey(identity)] = .some(session)
        if renew { renewals.insert(OfferedIdentityKey(identity)) }
    }

    /// Whether the ticket `identity` should be renewed if it resumes.
    func needsRenewal(_ identity: [UInt8]) -> Bool { !renewals.isEmpty && renewals.contains(OfferedIdentityKey(identity)) }

    /// Why `identity` has no session: unknown, or its store did not answer (S30's reason).
    func missingReason(_ identity: [UInt8]) -> ResumptionDeclineReason {
        declineReasons.isEmpty ? .unknownTicket : declineReasons[OfferedIdentityKey(identity)] ?? .unknownTicket
    }

    /// The session for `identity`, handed out once.
    func take(_ identity: [UInt8]) -> TLSSession? {
        sessions.removeValue(forKey: OfferedIdentityKey(identity)) ?? nil
    }

    /// Moves the asynchronous results in.
    func absorbAsyncResults() {
        // A session from the get callback or an external store was taken from it (S14), or a
        // single-use ticket spent: a ticket that resumes with it is renewed.
        if let firstSeen = asyncResults.takeClientHelloRecord() { clientHelloFirstSeen = firstSeen }
        for (identity, outcome) in asyncResults.drain() {
            switch outcome {
            case .found(let session): store(session, for: identity, renew: true)
            case .notFound: store(nil, for: identity)
            case .unavailable:
                store(nil, for: identity)
                declineReasons[OfferedIdentityKey(identity)] = .storeUnavailable
            case .replayed:
                store(nil, for: identity)
                declineReasons[OfferedIdentityKey(identity)] = .replayed
            }
        }
    }
}

/// Results of an asynchronous session lookup, written from the task that ran it.
final class AsyncSessionResults: Sendable {
    private let results = LockedValue<[[UInt8]: ExternalLookupOutcome]>([:])
    private let clientHelloRecord = LockedValue<Bool?>(nil)

    func record(_ outcome: ExternalLookupOutcome, for identity: [UInt8]) {
        results.withLock { $0[identity] = outcome }
    }

    func recordClientHello(firstSeen: Bool) {
        clientHelloRecord.withLock { $0 = firstSeen }
    }

    func takeClientHelloRecord() -> Bool? {
        clientHelloRecord.withLock { value in
            defer { value = nil }
            return value
        }
    }

    func drain() -> [[UInt8]: ExternalLookupOutcome] {
        results.withLock { current in
            defer { current.removeAll() }
            return current
        }
    }
}
