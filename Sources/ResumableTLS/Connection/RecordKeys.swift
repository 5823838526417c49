/// The keys a handshake installs for one direction of the record layer: a TLS 1.3 traffic
/// secret (from which KeyUpdate derives the next) or TLS 1.2 key-block keys.
enum RecordKeys: Sendable {
    case tls13(TrafficSecret)
    case tls12(TLS12TrafficKeys)

    func makeCipher() -> RecordCipher {
        switch self {
        case .tls13(let secret): return .tls13(secret.makeProtection())
        case .tls12(let keys): return .tls12(TLS12RecordProtection(keys: keys))
        }
    }
}

/// Record protection of either version, as the record layer holds it.
enum RecordCipher: Sendable {
    case tls13(RecordProtection)
    case tls12(TLS12RecordProtection)

    /// The sequence number of the next record.
    var sequenceNumber: UInt64 {
        switch self {
        case .tls13(let protection): return protection.sequenceNumber
        case .tls12(let protection): return protection.sequenceNumber
        }
    }

    /// Bytes a sealed record reserves before its content.
    var recordPrefixLength: Int {
        switch self {
        case .tls13: return RecordLimits.headerLength
        case .tls12(let protection): return protection.recordPrefixLength
        }
    }

    /// Whether a received record of `type` is protected: in TLS 1.3 only application_data
    /// records are (others are the unprotected ChangeCipherSpec or a peer's plaintext alert);
    /// in TLS 1.2 every record after the ChangeCipherSpec is.
    func protects(_ type: ContentType) -> Bool {
        switch self {
        case .tls13: return type == .applicationData
        case .tls12: return true
        }
    }

    mutating func seal(_ buffer: inout [UInt8], recordStart: Int, contentType: ContentType) throws {
        switch self {
        case .tls13(var protection):
            try protection.seal(&buffer, recordStart: recordStart, contentType: contentType)
            self = .tls13(protection)
        case .tls12(var protection):
            try protection.seal(&buffer, recordStart: recordStart, contentType: contentType)
            self = .tls12(protection)
        }
    }

    mutating func open(_ buffer: inout [UInt8], record: Range<Int>) throws -> OpenedRecord {
        switch self {
        case .tls13(var protection):
            let opened = try protection.open(&buffer, record: record)
            self = .tls13(protection)
            return opened
        case .tls12(var protection):
            let opened = try protection.open(&buffer, record: record)
            self = .tls12(protection)
            return opened
        }
    }
}
