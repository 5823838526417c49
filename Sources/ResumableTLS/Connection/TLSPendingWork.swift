import Foundation

/// Asynchronous work a connection needs before its handshake can go on: verifying the peer's
/// certificate chain with swift-certificates' (async) `Verifier`. `Sendable`, so a driver can
/// run it on any task and hand the result back to the connection's own thread.
public struct TLSPendingWork: Sendable {
    let check: PeerChainCheck
    let verification: CertificateVerification
    let validationTime: Date

    /// Runs the work; pass the result to `TLSConnection.completePendingWork(_:)`.
    public func run() async -> Result<Void, TLSError> {
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
    }
}
