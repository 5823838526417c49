import Foundation
import Testing
import X509
@testable import ResumableTLS

/// The process-wide cache of parsed certificates (issue 17): a hit is what parsing gives, bad
/// DER is never cached, and the cache stays within its bounds. Serialized: the cache is shared.
@Suite("Certificates: parsed-certificate cache", .serialized)
struct ParsedCertificateCacheTests {
    @Test func aCachedCertificateIsWhatParsingGives() throws {
        let der = try SelfSignedIdentity().certificateDER
        let first = try ParsedCertificateCache.certificate(der)
        let second = try ParsedCertificateCache.certificate(der)
        #expect(first == (try Certificate(derEncoded: der)) && second == first)
        // The key read through the cache is the certificate's.
        #expect(try TLSPublicKey(certificateDER: der).isSameKey(as: TLSPublicKey(first.publicKey)))
    }

    @Test func badDERIsRefusedEveryTimeAndNotKept() throws {
        var der = try SelfSignedIdentity().certificateDER
        der[der.count / 2] ^= 0xFF
        der.removeLast()
        #expect(throws: (any Error).self) { try ParsedCertificateCache.certificate(der) }
        #expect(throws: (any Error).self) { try ParsedCertificateCache.certificate(der) }
        #expect(throws: TLSError.self) { try TLSPublicKey(certificateDER: der) }
        #expect(!ParsedCertificateCache.contains(der))
    }

    @Test func theCacheStaysWithinItsBounds() throws {
        for _ in 0 ..< ParsedCertificateCache.maximumEntries + 5 {
            _ = try ParsedCertificateCache.certificate(try SelfSignedIdentity().certificateDER)
            let occupancy = ParsedCertificateCache.occupancy
            #expect(occupancy.entries <= ParsedCertificateCache.maximumEntries)
            #expect(occupancy.bytes <= ParsedCertificateCache.maximumBytes)
        }
    }
}
