/// The TLS 1.3 middlebox-compatibility ChangeCipherSpec (RFC 8446 §5, §D.4): a record of
/// type change_cipher_spec carrying the single byte 0x01.
package enum ChangeCipherSpec {
    /// The only legal payload.
    package static let payload: [UInt8] = [0x01]

    /// The whole record as sent.
    package static let record: [UInt8] = [ContentType.changeCipherSpec.rawValue, 0x03, 0x03, 0x00, 0x01, 0x01]

    /// Checks a received change_cipher_spec fragment: anything but the single byte 0x01 is
    /// `unexpected_message` (RFC 8446 §5).
    package static func validate<C: Collection>(_ fragment: C) throws where C.Element == UInt8 {
        guard fragment.count == 1, fragment.first == 0x01 else {
            throw TLSError.unexpectedMessage("change_cipher_spec with payload other than 0x01")
        }
    }
}
