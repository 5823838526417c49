/// A context's configuration held once and shared by reference: each connection's state
/// machines keep this reference instead of their own copy of the configuration, which would
/// retain and release its ~20 references per machine per connection.
final class SharedConfiguration: Sendable {
    let value: TLSConfiguration

    init(_ value: TLSConfiguration) {
        self.value = value
    }
}
