import Foundation

/// The first step of the server's ClientHello: what the sessions it offers stand for, before
/// the version's state machine reads them (S21, S23). A TLS 1.3 PSK identity or a TLS 1.2
/// ticket goes to the context's ticket authority (ticket keys or cache); a TLS 1.2 session ID
/// to the session cache, where it stays for further resumptions. What neither knows goes to
/// the get callback and the external store, and a single-use ticket a fleet shares goes to its
/// replay registry: asynchronous work the handshake waits for
/// (`HandshakeAction.lookUpSessions`), so a store never blocks the state machine.
struct OfferedSessionResolver {
    let shared: SharedConfiguration
    var configuration: TLSConfiguration { _read { yield shared.value } }
    let authority: any ServerTicketAuthority
    let cache: SessionCacheCoordinator
    /// Where the results go; the state machines read them through `ServerSessionSource.redeem(_:now:)`.
    let prefetched: PrefetchedSessions
    /// How this context keeps early data from being replayed (S29).
    let earlyDataReplay: EarlyDataReplayProtection

    private enum Kind { case ticket, sessionID }

    /// Resolves what `hello` offers; returns the asynchronous lookups still to run, if any.
    /// `peerAddress` is the connection's, for the get callback (S21).
    func resolve(_ hello: ClientHello, peerAddress: String?, now: Date) throws -> TLSPendingWork? {
        var lookups: [(identity: [UInt8], lookup: TLSPendingWork.SessionLookup)] = []
        // The fields these need, not the configuration: passing it copied the whole struct.
        let version = try ServerHandshake.negotiateVersion(hello, allowing: shared.value.minimumVersion...shared.value.maximumVersion)
        for offer in try Self.offeredSessions(hello, version: version, tls12SessionTickets: shared.value.tls12SessionTickets)
        where !prefetched.contains(offer.identity) {
            let redemption: TicketRedemption
            switch offer.kind {
            case .ticket:
                redemption = authority.redeem(offer.identity, now: now)
            case .sessionID:
                switch cache.resumeFromInternalCache(id: offer.identity, singleUse: false, now: now) {
                case .resumed(let session): redemption = .session(session, renew: false)
                case .fullHandshake: redemption = .none
                case .lookUpExternally(let lookup): redemption = .lookUp(lookup)
                }
            }
            switch redemption {
            case .session(let session, let renew):
                // Single use across a fleet (S14, S27): the registry records the ticket's first
                // use before it may resume; an expired one is declined as such, unrecorded.
                if let registry = authority.sharedReplayRegistry, !session.isExpired(at: now) {
                    let use = RegistryFirstUse(of: offer.identity, until: session.expirationTime, registry: registry,
                                               timeLimit: cache.externalTimeLimit, counters: cache.counters)
                    lookups.append((offer.identity, .firstUse(use, session: session)))
                } else {
                    prefetched.store(session, for: offer.identity, renew: renew)
                }
            case .none: prefetched.store(nil, for: offer.identity)
            case .lookUp(let lookup):
                lookups.append((offer.identity, .external(Self.describing(lookup, hello: hello, version: version, peerAddress: peerAddress))))
            }
        }
        // S29, RFC 8446 §8.2: a ClientHello with early data goes into the fleet's record, so
        // that the same ClientHello at another server gets no early data.
        if case .sharedClientHelloRecord(let registry) = earlyDataReplay, let policy = configuration.earlyData,
           version == .tls13, hello.extensions.contains(.earlyData), prefetched.clientHelloFirstSeen == nil,
           let binder = hello.offeredPSKs?.binders.first {
            // The binder is unique to its ClientHello: it covers the random and the key shares.
            lookups.append((binder, .clientHelloRecord(RegistryFirstUse(
                of: binder, until: now.addingTimeInterval(policy.freshnessWindow), registry: registry,
                timeLimit: cache.externalTimeLimit, counters: cache.counters))))
        }
        return lookups.isEmpty ? nil : TLSPendingWork(sessionLookups: lookups, results: prefetched.asyncResults)
    }

    /// Takes in what an asynchronous lookup found (a failed or slow store is a miss, S23).
    func absorbLookups() {
        prefetched.absorbAsyncResults()
    }

    /// The get callback sees what OpenSSL's would read from the `SSL`: SNI, offered ALPN, the
    /// version, the peer (S21). Built only when a lookup goes out.
    private static func describing(_ lookup: ExternalSessionLookup, hello: ClientHello, version: ProtocolVersion,
                                   peerAddress: String?) -> ExternalSessionLookup {
        var serverName: String?
        if case .serverName(let name)? = hello.extensions[.serverName] { serverName = name }
        var protocols: [String] = []
        if case .applicationLayerProtocols(let offered)? = hello.extensions[.applicationLayerProtocolNegotiation] {
            protocols = offered.map { String(decoding: $0, as: UTF8.self) }
        }
        return lookup.describing(serverName: serverName, offeredApplicationProtocols: protocols,
                                 protocolVersion: version, peerAddress: peerAddress)
    }

    /// What a ClientHello offers to resume, in the version it negotiates: TLS 1.3 PSK identities
    /// (the first few, PeerListLimits), or a TLS 1.2 ticket, else a TLS 1.2 session ID.
    private static func offeredSessions(_ hello: ClientHello, version: ProtocolVersion,
                                        tls12SessionTickets: Bool) throws -> [(identity: [UInt8], kind: Kind)] {
        switch version {
        case .tls12:
            if tls12SessionTickets, case .sessionTicket(let ticket)? = hello.extensions[.sessionTicket], !ticket.isEmpty {
                return [(ticket, .ticket)]
            }
            return hello.legacySessionID.isEmpty ? [] : [(Array(hello.legacySessionID), .sessionID)]
        default:
            guard let offer = hello.offeredPSKs else { return [] }
            return offer.identities.prefix(PeerListLimits.pskIdentitiesExamined).map { ($0.identity, .ticket) }
        }
    }
}
