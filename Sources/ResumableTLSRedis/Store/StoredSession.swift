import Foundation
import ResumableTLS

/// The plaintext of a value in Redis: a format byte, the session's authentication time, and
/// its OpenSSL DER encoding (`TLSSession.derEncoded()`), which has no field for that time
/// (security review M3: a resumption must never extend authentication).
enum StoredSession {
    static let format: UInt8 = 1

    static func encode(_ session: TLSSession) throws -> [UInt8] {
        var bytes = [format]
        let milliseconds = Int64((session.authenticationTime.timeIntervalSince1970 * 1000).rounded(.down))
        withUnsafeBytes(of: milliseconds.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: try session.derEncoded())
        return bytes
    }

    /// The session in `bytes`, owned by `contextID`; nil for anything else.
    static func decode(_ bytes: [UInt8], contextID: UUID) -> TLSSession? {
        guard bytes.count > 9, bytes[0] == format else { return nil }
        var milliseconds: Int64 = 0
        for byte in bytes[1..<9] { milliseconds = milliseconds << 8 | Int64(byte) }
        guard let decoded = try? TLSSession.decode(der: Array(bytes[9...]), contextID: contextID) else { return nil }
        let authenticated = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return TLSSession(
            protocolVersion: decoded.protocolVersion, cipherSuite: decoded.cipherSuite, secret: decoded.secret,
            sessionID: decoded.sessionID, ticket: decoded.ticket, ticketLifetime: decoded.ticketLifetime,
            ticketAgeAdd: decoded.ticketAgeAdd, ticketNonce: decoded.ticketNonce, creationTime: decoded.creationTime,
            timeout: decoded.timeout, serverName: decoded.serverName, applicationProtocol: decoded.applicationProtocol,
            maxEarlyDataSize: decoded.maxEarlyDataSize, sessionIDContext: decoded.sessionIDContext,
            peerCertificates: decoded.peerCertificates, group: decoded.group, contextID: contextID,
            authenticationTime: authenticated, extendedMasterSecret: decoded.extendedMasterSecret)
    }
}
