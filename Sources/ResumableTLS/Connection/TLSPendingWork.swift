import Foundation

/// Asynchronous work a connection needs before its handshake can go on: verifying the peer's
/// certificate chain with swift-certificates' (async) `Verifier`, asking the get callback
/// and the external session store for the sessions a ClientHello's tickets stand for (S21,
/// S23), recording a single-use ticket's first use with a fleet's registry (S14, S27), or, on a client about to offer a session made for another server name, checking that
/// the session's certificate covers the new name (RFC 8446 §4.6.1). `Sendable`, so a driver can run it on any task and hand the result back to the
/// connection's own thread with `TLSConnection.completePendingWork(_:)`.
public struct TLSPendingWork: Sendable {
    private enum Kind: Sendable {
        case verifyChain(PeerChainCheck, CertificateVerification, Date)
        case lookUpSessions([LookupItem], AsyncSessionResults)
        case checkOfferedSessionName(leafDER: [UInt8], serverName: String, time: Date)
    }

    /// One offered session to resolve: ask the get callback and the store, or record a
    /// stateless ticket's first use with the fleet's replay registry.
    enum SessionLookup: Sendable {
        case external(ExternalSessionLookup)
        /// A single-use stateless ticket's first use, recorded before `session` may resume.
        case firstUse(RegistryFirstUse, session: TLSSession)
        /// Recording the ClientHello in the fleet's record for early data (S29); its answer
        /// goes to `AsyncSessionResults.clientHelloFirstSeen`, not to a session.
        case clientHelloRecord(RegistryFirstUse)
    }

    private struct LookupItem: Sendable {
        var identity: [UInt8]
        var lookup: SessionLookup
    }

    private let kind: Kind

    init(check: PeerChainCheck, verification: CertificateVerification, validationTime: Date) {
        kind = .verifyChain(check, verification, validationTime)
    }

    init(sessionLookups: [(identity: [UInt8], lookup: SessionLookup)], results: AsyncSessionResults) {
        kind = .lookUpSessions(sessionLookups.map { LookupItem(identity: $0.identity, lookup: $0.lookup) }, results)
    }

    /// Whether the certificate of a session made for another server name covers `serverName`
    /// (RFC 8446 §4.6.1): the client offers the session only if it does.
    init(offeredSessionLeaf leafDER: [UInt8], serverName: String, time: Date) {
        kind = .checkOfferedSessionName(leafDER: leafDER, serverName: serverName, time: time)
    }

    /// Runs the work; pass the result to `TLSConnection.completePendingWork(_:)`. A session
    /// lookup always succeeds: a slow or failing store is a miss (S23).
    public func run() async -> Result<Void, TLSError> {
        switch kind {
        case .verifyChain(let check, let verification, let validationTime):
            do {
                try await verification.verifyPeerChain(
                    check.chain, owner: check.owner, expectedServerName: check.expectedServerName,
                    validationTime: validationTime)
                return .success(())
            } catch let error as TLSError {
                return .failure(error)
            } catch {
                return .failure(.protocolViolation(alert: .badCertificate, reason: .certificateRejected("\(error)")))
            }
        case .lookUpSessions(let items, let results):
            for item in items {
                switch item.lookup {
                case .external(let lookup): results.record(await lookup.outcome(), for: item.identity)
                case .firstUse(let use, let session):
                    // Fails closed: a use that cannot be recorded is not resumed.
                    let outcome: ExternalLookupOutcome
                    switch await use.record() {
                    case true?: outcome = .found(session)
                    case false?: outcome = .replayed
                    case nil: outcome = .unavailable
                    }
                    results.record(outcome, for: item.identity)
                case .clientHelloRecord(let use):
                    // Unanswered counts as seen: early data is declined, never the resumption.
                    results.recordClientHello(firstSeen: await use.record() ?? false)
                }
            }
            return .success(())
        case .checkOfferedSessionName(let leafDER, let serverName, let time):
            // A failure here only means the session is not offered.
            guard await CertificateChainVerifier.leaf(leafDER, covers: serverName, at: time) else {
                return .failure(.protocolViolation(alert: .badCertificate, reason: .certificateRejected("the session's certificate does not cover \(serverName)")))
            }
            return .success(())
        }
    }
}
