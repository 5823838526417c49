/// An alert message (RFC 8446 §6): level and description, exactly two bytes.
package struct Alert: Sendable, Hashable {
    /// warning or fatal. TLS 1.3 receivers treat every alert except close_notify and
    /// user_canceled as fatal whatever this says.
    package var level: AlertLevel
    /// What happened.
    package var description: AlertDescription

    /// An alert with the given level and description.
    package init(level: AlertLevel, description: AlertDescription) {
        self.level = level
        self.description = description
    }

    /// A fatal alert.
    package static func fatal(_ description: AlertDescription) -> Alert { Alert(level: .fatal, description: description) }

    /// The close_notify alert, sent at level warning as TLS 1.2 requires and TLS 1.3 tolerates.
    package static let closeNotify = Alert(level: .warning, description: .closeNotify)

    /// Parses an alert record's plaintext: exactly two bytes (decode_error otherwise), a known
    /// level (illegal_parameter otherwise).
    package init<C: Collection>(parsing bytes: C) throws where C.Element == UInt8 {
        guard bytes.count == 2 else { throw TLSError.decodeError("alert of \(bytes.count) bytes, expected 2") }
        var reader = ByteReader(Array(bytes))
        let level = try reader.readUInt8("alert level")
        let description = try reader.readUInt8("alert description")
        guard let parsedLevel = AlertLevel(rawValue: level) else {
            throw TLSError.illegalParameter("alert level \(level)")
        }
        self.level = parsedLevel
        self.description = AlertDescription(rawValue: description)
    }

    /// The two alert bytes.
    package var bytes: [UInt8] { [level.rawValue, description.rawValue] }
}
