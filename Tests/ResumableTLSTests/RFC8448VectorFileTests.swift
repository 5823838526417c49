import Testing

/// The vector reader itself: if it silently found nothing, every KAT built on it would be hollow.
@Suite struct RFC8448VectorFileTests {
    @Test func readsEverySection() {
        for section in 3...7 {
            #expect((RFC8448.shared.sections[section]?.count ?? 0) > 10, "section \(section)")
        }
    }

    @Test func readsAKnownValue() throws {
        let key = try RFC8448.value(section: 3, role: "client", step: "create an ephemeral x25519 key pair", label: "private key")
        #expect(key == [UInt8](hex: "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005"))
        let hello = try RFC8448.value(section: 3, role: "client", step: "construct a ClientHello", label: "ClientHello")
        #expect(hello.count == 196)
        let record = try RFC8448.value(section: 3, role: "server", step: "send handshake record", label: "complete record", occurrence: 1)
        #expect(record.first == 0x17)
    }
}
