import Foundation
import Testing
import ResumableTLS
import RTLSBenchmarks

/// Client and server contexts, and a handshake between them in memory, for the fleet tests.
enum InMemoryHandshake {
    static let identity: SelfSignedIdentity = {
        do { return try SelfSignedIdentity() } catch { preconditionFailure("cannot make a test identity: \(error)") }
    }()

    /// A client that trusts `identity` for "localhost".
    static func client(_ adjust: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = TLSConfiguration.client(serverName: "localhost")
        configuration.certificateVerification = .fullVerification(trustRoots: try .certificates([identity.certificateDER]))
        adjust(&configuration)
        return try TLSContext(configuration)
    }

    /// Drives a client and a server connection to the end in memory (running their pending
    /// work, such as store lookups), then closes both cleanly.
    static func run(_ client: TLSContext, _ server: TLSContext, offering session: TLSSession? = nil) async throws -> (TLSConnection, TLSConnection) {
        let clientConnection = client.makeConnection()
        try clientConnection.offer(session)
        let serverConnection = server.makeConnection()
        try clientConnection.startHandshake()
        try await InMemoryHandshakePump.exchange(clientConnection, serverConnection)
        #expect(clientConnection.state == .established && serverConnection.state == .established)
        try clientConnection.close()
        try serverConnection.receive(clientConnection.takeOutput())
        try serverConnection.close()
        try clientConnection.receive(serverConnection.takeOutput())
        return (clientConnection, serverConnection)
    }

    /// The tickets a client connection received, in order.
    static func tickets(_ connection: TLSConnection) -> [TLSSession] {
        var sessions: [TLSSession] = []
        while let event = connection.nextEvent() {
            if case .newSession(let session) = event { sessions.append(session) }
        }
        return sessions
    }
}

/// A clock the test moves by hand.
final class SteppedClock: TLSClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date()) { current = start }

    func now() -> Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}
