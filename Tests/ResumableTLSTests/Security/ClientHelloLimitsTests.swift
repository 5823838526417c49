import Testing
import RTLSBenchmarks
@testable import ResumableTLS

/// Security review M1: every list a ClientHello carries is capped, a list over its cap is
/// `illegal_parameter`, and the most expensive ClientHello within the caps is accepted. What
/// they cost is measured by `rtls bench --filter clienthello` (`ClientHelloCostBench`).
@Suite("M1: ClientHello lists are capped")
struct ClientHelloLimitsTests {
    private func serverContext() throws -> TLSContext {
        var configuration = InMemoryIdentity.serverConfiguration()
        configuration.applicationProtocols = ["h2", "http/1.1"]
        return try TLSContext(configuration)
    }

    private func baseClientHello() throws -> ClientHello {
        var configuration = try InMemoryIdentity.clientConfiguration()
        configuration.applicationProtocols = ["h2", "http/1.1"]
        let client = try TLSContext(configuration).makeConnection()
        try client.startHandshake()
        return try HostileClientHello.parse(firstRecordOf: client.takeOutput())
    }

    @Test("The review's ClientHello (~5,400 shares, ~19,000 groups, 64 KiB) is illegal_parameter")
    func reviewClientHelloIsRefused() throws {
        let hello = try HostileClientHello.reviewM1(from: try baseClientHello())
        let records = try HostileClientHello.records(hello)
        #expect(records.count > 60_000)
        let server = try serverContext().makeConnection()
        Hostile.expectThrows(.illegalParameter) { try server.receive(records) }
        Hostile.expectClosedWithPlaintextAlert(server, .illegalParameter, output: server.takeOutput())
    }

    @Test("Each capped list one entry over its cap is illegal_parameter", arguments: HostileClientHello.CappedList.allCases)
    func overCapIsRefused(list: HostileClientHello.CappedList) throws {
        let base = try baseClientHello()
        let hello = try HostileClientHello.overCap(list, from: base)
        let server = try serverContext().makeConnection()
        Hostile.expectThrows(.illegalParameter) { try server.receive(try HostileClientHello.records(hello)) }
        Hostile.expectClosedWithPlaintextAlert(server, .illegalParameter, output: server.takeOutput())
    }

    @Test("Each capped list at its cap, 64 KiB in all, is accepted: a full handshake follows")
    func maximalWithinCapsIsAccepted() async throws {
        let hello = try HostileClientHello.maximalAccepted(from: try baseClientHello())
        // Every list is exactly at its cap.
        #expect(hello.cipherSuites.count == PeerListLimits.cipherSuites)
        #expect(hello.extensions.count == PeerListLimits.extensions)
        if case .keyShareClientHello(let shares)? = hello.extensions[.keyShare] { #expect(shares.count == PeerListLimits.keyShares) }
        if case .supportedGroups(let groups)? = hello.extensions[.supportedGroups] { #expect(groups.count == PeerListLimits.supportedGroups) }
        if case .signatureAlgorithms(let schemes)? = hello.extensions[.signatureAlgorithms] { #expect(schemes.count == PeerListLimits.signatureSchemes) }
        if case .applicationLayerProtocols(let names)? = hello.extensions[.applicationLayerProtocolNegotiation] { #expect(names.count == PeerListLimits.applicationProtocols) }
        #expect(hello.offeredPSKs?.identities.count == PeerListLimits.pskIdentities)
        let records = try HostileClientHello.records(hello)
        #expect(records.count > 65_000)

        let server = try serverContext().makeConnection()
        try server.receive(records)
        #expect(server.state == .handshaking)
        let flight = Hostile.records(server.takeOutput())
        #expect(flight.first?.type == ContentType.handshake.rawValue)   // ServerHello
        #expect(flight.count >= 2)
    }

    @Test("A Certificate message with more certificates than the cap is illegal_parameter")
    func certificateListIsCapped() throws {
        let entry = CertificateEntry(certificateData: InMemoryIdentity.shared.certificateDER, extensions: [])
        let over = HandshakeMessage.certificate(CertificateMessage(certificateRequestContext: [], certificateList: Array(repeating: entry, count: PeerListLimits.certificates + 1)))
        #expect(throws: TLSError.illegalParameter("certificate_list: \(PeerListLimits.certificates + 1) entries, more than the \(PeerListLimits.certificates) accepted")) {
            _ = try HandshakeMessage(parsingMessage: try over.encode(), context: .tls13(hashLength: 32))
        }
        let at = HandshakeMessage.certificate(CertificateMessage(certificateRequestContext: [], certificateList: Array(repeating: entry, count: PeerListLimits.certificates)))
        #expect(throws: Never.self) { _ = try HandshakeMessage(parsingMessage: try at.encode(), context: .tls13(hashLength: 32)) }
    }
}
