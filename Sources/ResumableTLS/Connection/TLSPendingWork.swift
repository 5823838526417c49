import Foundation

/// Asynchronous work a connection needs before its handshake can go on: verifying the peer's
/// certificate chain with swift-certificates' (async) `Verifier`, or asking the get callback
/// and the external session store for the sessions a ClientHello's tickets stand for (S21,
/// S23). `Sendable`, so a driver can run it on any task and hand the result back to the
/// connection's own thread with `TLSConnection.completePendingWork(_:)`.
public struct TLSPendingWork: Sendable {
    private enum Kind: Sendable {
        case verifyChain(PeerChainCheck, CertificateVerification, Date)
        case lookUpSessions([LookupItem], AsyncSessionResults)
    }

    private struct LookupItem: Sendable {
        var identity: [UInt8]
        var lookup: ExternalSessionLookup
    }

    private let kind: Kind

    init(check: PeerChainCheck, verification: CertificateVerification, validationTime: Date) {
        kind = .verifyChain(check, verification, validationTime)
    }

    init(sessionLookups: [(identity: [UInt8], lookup: ExternalSessionLookup)], results: AsyncSessionResults) {
        kind = .lookUpSessions(sessionLookups.map { LookupItem(identity: $0.identity, lookup: $0.lookup) }, results)
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
                return .failure(.protocolViolation(alert: .badCertificate, reason: "\(error)"))
            }
        case .lookUpSessions(let items, let results):
            for item in items {
                results.record(await item.lookup.run(), for: item.identity)
            }
            return .success(())
        }
    }
}
