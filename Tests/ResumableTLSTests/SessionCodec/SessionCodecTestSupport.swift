import Foundation
import SwiftASN1
@testable import ResumableTLS

/// Helpers of the S7 (session serialization) tests.
enum SessionCodecTestSupport {
    /// The DER of the test PKI's P-256 leaf (`Fixtures/certs/leaf-ecdsa-p256.pem`).
    static func leafDER() throws -> [UInt8] {
        try PEMDocument(pemString: String(contentsOfFile: TestCertificates.ecdsaP256.certificatePath, encoding: .utf8)).derBytes
    }

    /// The DER of the test CA (`Fixtures/certs/ca.pem`).
    static func caDER() throws -> [UInt8] {
        try PEMDocument(pemString: String(contentsOfFile: TestCertificates.caPath, encoding: .utf8)).derBytes
    }

    /// A TLS 1.3 client session with every field OpenSSL's layout carries set to a non-zero
    /// value (age_add with its top bit set, to exercise INTEGER sign handling), and no field
    /// the layout drops (no nonce, one certificate, whole seconds).
    static func sampleSession(contextID: UUID = UUID(), leaf: [UInt8]) -> TLSSession {
        TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256,
            secret: (0..<32).map { UInt8($0 &* 7 &+ 1) },
            sessionID: (0..<32).map { UInt8(0xA0 &+ $0) },
            ticket: (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) },
            ticketLifetime: 7200, ticketAgeAdd: 0x89AB_CDEF, ticketNonce: [],
            creationTime: Date(timeIntervalSince1970: 1_795_000_000), timeout: 7200,
            serverName: "example.com", applicationProtocol: "h2", maxEarlyDataSize: 16384,
            sessionIDContext: [0x01, 0x02, 0x03], peerCertificates: [leaf], group: .x25519,
            contextID: contextID)
    }

    /// A scratch directory, removed by the caller (`defer`).
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rtls-s7-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `openssl` (failing, not skipping, when it is missing); returns status and output
    /// (stdout and stderr together).
    static func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try CertificateTestSupport.runOpenSSL(PeerTool.openssl(), arguments)
    }

    /// The value line that `openssl asn1parse` prints right after the `cont [ tag ]` line of a
    /// top-level field, e.g. `:h2` → "h2", `INTEGER :289AA8D0` → "289AA8D0".
    static func asn1parseValue(_ output: String, tag: Int) -> String? {
        let lines = output.split(separator: "\n").map(String.init)
        for (index, line) in lines.enumerated() where line.contains("d=1") && line.contains("cont [ \(tag) ]") {
            guard index + 1 < lines.count, let colon = lines[index + 1].lastIndex(of: ":") else { return nil }
            return String(lines[index + 1][lines[index + 1].index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// The bytes of the `TLS session ticket:` hex dump in `openssl sess_id -text` output.
    static func ticketFromText(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var inDump = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.contains("TLS session ticket:") { inDump = true; continue }
            guard inDump else { continue }
            // `    0000 - eb 60 f5 37 01 d2 c5 98-e1 9f 7d 0c 19 8b 4d 5f   .`.7......}...M_`
            guard let dash = line.range(of: " - ") else { break }
            let hex = line[dash.upperBound...].prefix(48).replacingOccurrences(of: "-", with: " ")
            bytes += hex.split(separator: " ").compactMap { UInt8($0, radix: 16) }
        }
        return bytes
    }

    /// The value after `label` on its line of `openssl sess_id -text` output.
    static func textValue(_ text: String, _ label: String) -> String? {
        for line in text.split(separator: "\n").map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(label) {
                return String(trimmed.dropFirst(label.count)).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// `der` (one SEQUENCE) with its top-level context-specific fields numbered `tags` removed.
    static func removingFields(_ der: [UInt8], tags: Set<UInt>) throws -> [UInt8] {
        let root = try DER.parse(der)
        guard case .constructed(let children) = root.content else { return der }
        var serializer = DER.Serializer()
        serializer.appendConstructedNode(identifier: .sequence) { coder in
            for child in children where !(child.identifier.tagClass == .contextSpecific && tags.contains(child.identifier.tagNumber)) {
                coder.serializeRawBytes(child.encodedBytes)
            }
        }
        return serializer.serializedBytes
    }

    /// `der` (one SEQUENCE) with `fields` (raw DER of whole elements) inserted before the
    /// top-level element at `position`, or appended when `position` is past the end.
    static func insertingFields(_ der: [UInt8], _ fields: [UInt8], at position: Int) throws -> [UInt8] {
        let root = try DER.parse(der)
        guard case .constructed(let children) = root.content else { return der }
        var serializer = DER.Serializer()
        serializer.appendConstructedNode(identifier: .sequence) { coder in
            for (index, child) in children.enumerated() {
                if index == position { coder.serializeRawBytes(fields) }
                coder.serializeRawBytes(child.encodedBytes)
            }
            if position >= children.reduce(0, { count, _ in count + 1 }) { coder.serializeRawBytes(fields) }
        }
        return serializer.serializedBytes
    }

    /// `der` with the top-level element at `position` replaced by `field` (raw DER).
    static func replacingField(_ der: [UInt8], at position: Int, with field: [UInt8]) throws -> [UInt8] {
        let root = try DER.parse(der)
        guard case .constructed(let children) = root.content else { return der }
        var serializer = DER.Serializer()
        serializer.appendConstructedNode(identifier: .sequence) { coder in
            for (index, child) in children.enumerated() {
                coder.serializeRawBytes(index == position ? field[...] : child.encodedBytes)
            }
        }
        return serializer.serializedBytes
    }

    /// The raw DER of `value` under an explicit context tag.
    static func explicit<T: DERSerializable>(_ number: UInt, _ value: T) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value, explicitlyTaggedWithTagNumber: number, tagClass: .contextSpecific)
        return serializer.serializedBytes
    }

    /// The raw DER of one value.
    static func der<T: DERSerializable>(_ value: T) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        return serializer.serializedBytes
    }

    /// The offset of every node's first length octet (the whole tree; tags are one byte).
    static func lengthOffsets(_ der: [UInt8]) throws -> [Int] {
        var offsets: [Int] = []
        func walk(_ node: ASN1Node) {
            offsets.append(node.encodedBytes.startIndex + 1)
            if case .constructed(let children) = node.content {
                for child in children { walk(child) }
            }
        }
        walk(try DER.parse(der))
        return offsets
    }
}

