/// The 12-byte per-record nonce of RFC 8446 §5.3, held inline so that computing it for each
/// record allocates nothing: the 64-bit sequence number in network byte order, left-padded with
/// zeros to the IV length, XORed with the write IV.
struct RecordNonce: Sendable {
    /// The nonce length of every TLS 1.3 AEAD (RFC 8446 §5.3).
    static let length = 12

    // Exactly 12 bytes with no padding (a UInt64 then a UInt32), read and written as bytes.
    private var storage: (UInt64, UInt32) = (0, 0)

    /// The nonce for `sequenceNumber` with write IV `iv`, which must be 12 bytes (the
    /// `TrafficKeys` initialisers check it); a shorter IV leaves the missing bytes zero.
    init(iv: [UInt8], sequenceNumber: UInt64) {
        self = iv.withUnsafeBytes { RecordNonce(iv: $0, sequenceNumber: sequenceNumber) }
    }

    /// The same with the IV's bytes given directly.
    init(iv: UnsafeRawBufferPointer, sequenceNumber: UInt64) {
        withUnsafeMutableBytes(of: &storage) { bytes in
            let count = min(iv.count, Self.length)
            for index in 0..<count { bytes[index] = iv[index] }
            for index in 0..<8 {
                bytes[Self.length - 1 - index] ^= UInt8(truncatingIfNeeded: sequenceNumber >> UInt64(8 * index))
            }
        }
    }

    /// This nonce with `sequenceNumber` XORed into its last 8 bytes (TLS 1.2's implicit IV plus
    /// a sequence number or an explicit nonce, RFC 5288 §3, RFC 7905 §2).
    func xoring(sequenceNumber: UInt64) -> RecordNonce {
        var nonce = self
        withUnsafeMutableBytes(of: &nonce.storage) { bytes in
            for index in 0..<8 {
                bytes[Self.length - 1 - index] ^= UInt8(truncatingIfNeeded: sequenceNumber >> UInt64(8 * index))
            }
        }
        return nonce
    }

    /// Calls `body` with the nonce's 12 bytes.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage) { try body(UnsafeRawBufferPointer(rebasing: $0[0 ..< Self.length])) }
    }

    /// The nonce as an array (for the swift-crypto backend and tests).
    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}
