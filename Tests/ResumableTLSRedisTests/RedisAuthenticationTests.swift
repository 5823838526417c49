import Foundation
import Testing
import ResumableTLS
@testable import ResumableTLSRedis

/// `AUTH` (a password, and an ACL user with a password) and `SELECT` against a real
/// `redis-server --requirepass`: the right credentials reach the data, wrong ones never do and
/// leave the store a miss, and the database chosen is the one written.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RedisAuthenticationTests {
    private static func session(_ store: RedisSessionStore) -> TLSSession {
        TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 0x11, count: 32),
                   sessionID: [UInt8](repeating: 0x22, count: 32), ticket: [UInt8](repeating: 0x22, count: 32),
                   creationTime: Date(), timeout: 300, serverName: "localhost", contextID: store.contextID)
    }

    @Test("AUTH password, AUTH user password (ACL) and SELECT reach the data; a wrong password or user does not")
    func authenticationAndDatabaseSelection() async throws {
        let redis = try await RedisServerProcess.start(password: "fleet-secret")
        defer { redis.stop() }
        let admin = redis.client()
        defer { admin.close() }
        #expect(try await admin.send("PING") == .simpleString("PONG"), "the default user with --requirepass")
        #expect(try await admin.send("ACL", "SETUSER", "tls-fleet", "on", ">user-secret", "~rtls:*", "+@all") == .simpleString("OK"))

        // An ACL user in database 3: the session lands there, and only there.
        let key = SessionSealingKey.random()
        let fleet = UUID()
        let userClient = redis.client {
            $0.username = "tls-fleet"
            $0.password = "user-secret"
            $0.database = 3
        }
        defer { userClient.close() }
        let store = RedisSessionStore(client: userClient, key: key, contextID: fleet)
        let session = Self.session(store)
        try await store.put(session)
        #expect(try await store.get(id: session.sessionID)?.secret == session.secret)
        #expect(try await admin.send("DBSIZE") == .integer(0), "nothing in database 0")
        let database3 = redis.client { $0.database = 3 }
        defer { database3.close() }
        #expect(try await database3.send("DBSIZE") == .integer(1), "the session is in database 3")

        // Wrong credentials: no connection, so the store throws and the server sees a miss.
        for (user, password) in [(nil, "wrong"), ("tls-fleet", "fleet-secret"), ("nobody", "user-secret")] as [(String?, String)] {
            let denied = redis.client {
                $0.username = user
                $0.password = password
                $0.database = 3
            }
            defer { denied.close() }
            let deniedStore = RedisSessionStore(client: denied, key: key, contextID: fleet)
            await #expect(throws: (any Error).self, "user \(user ?? "default") with a wrong password") {
                _ = try await deniedStore.get(id: session.sessionID)
            }
            #expect(deniedStore.statistics.errors == 1 && deniedStore.statistics.hits == 0)
        }
        // No password at all.
        let anonymous = redis.client { $0.password = nil }
        defer { anonymous.close() }
        await #expect(throws: RedisError.self) { _ = try await anonymous.send("GET", "x") }
    }
}
