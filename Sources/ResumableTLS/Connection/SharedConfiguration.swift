/// A context's configuration held once and shared by reference: each connection's state
/// machines keep this reference instead of their own copy of the configuration, which would
/// retain and release its ~20 references per machine per connection.
///
/// It also holds the lists every handshake would otherwise derive from the configuration
/// again (an array each): the groups we can key-exchange in, the client's key-share groups
/// and its cipher-suite offer.
final class SharedConfiguration: Sendable {
    let value: TLSConfiguration
    /// `value.groups` that this library can do key exchange in, in their order.
    let keyExchangeGroups: [NamedGroup]
    /// The groups a client sends key shares for (`keyShareGroups`, else the first group), those we support.
    let clientKeyShareGroups: [NamedGroup]
    /// The cipher suites of each version among `value.cipherSuites`, in their order.
    let tls13CipherSuites: [CipherSuite]
    let tls12CipherSuites: [CipherSuite]
    /// What a client offers when it resumes nothing (or a session of the first TLS 1.3 suite):
    /// the TLS 1.3 suites, then the TLS 1.2 ones, for the versions the configuration allows.
    let clientCipherSuites: [CipherSuite]

    init(_ value: TLSConfiguration) {
        self.value = value
        keyExchangeGroups = value.groups.filter(KeyExchangePrivateKey.supports)
        clientKeyShareGroups = (value.keyShareGroups ?? Array(value.groups.prefix(1))).filter(KeyExchangePrivateKey.supports)
        tls13CipherSuites = value.cipherSuites.filter { $0.tls13Parameters != nil }
        tls12CipherSuites = value.cipherSuites.filter { $0.tls12Parameters != nil }
        clientCipherSuites = (value.allows(.tls13) ? tls13CipherSuites : []) + (value.allows(.tls12) ? tls12CipherSuites : [])
    }
}
