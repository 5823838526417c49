/// EndOfEarlyData (RFC 8446 §4.5): an empty body marking the end of 0-RTT data.
package struct EndOfEarlyData: Sendable, Hashable {
    /// The (only) EndOfEarlyData message.
    package init() {}

    /// Parses the body, which must be empty.
    package init(parsing body: inout ByteReader) throws {
        try body.expectEnd("EndOfEarlyData")
    }
}
