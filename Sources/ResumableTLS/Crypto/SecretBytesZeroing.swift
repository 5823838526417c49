// swift-crypto's copy of BoringSSL, for OPENSSL_cleanse (a zeroing the optimizer cannot drop).
internal import CCryptoBoringSSL

extension Array where Element == UInt8 {
    /// Overwrites the bytes with zeros where they lie: for a buffer that held a secret (a ticket's
    /// state before or after encryption) and is about to be released.
    mutating func zeroize() {
        withUnsafeMutableBytes { CCryptoBoringSSL_OPENSSL_cleanse($0.baseAddress, $0.count) }
    }
}

extension ByteWriter {
    /// Zeroes what was written (`Array.zeroize()`).
    mutating func zeroize() {
        bytes.zeroize()
    }
}
