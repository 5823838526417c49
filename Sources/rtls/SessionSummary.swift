import ResumableTLS

/// The `openssl s_client` / `s_server -www` style summary of a handshake.
enum SessionSummary {
    /// `New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256` or `Reused, ...`.
    static func line(_ negotiated: NegotiatedParameters) -> String {
        "\(negotiated.isResumed ? "Reused" : "New"), \(negotiated.version), Cipher is \(negotiated.cipherSuite)"
    }

    /// `ALPN protocol: h2` or `No ALPN negotiated`.
    static func alpnLine(_ negotiated: NegotiatedParameters) -> String {
        negotiated.applicationProtocol.map { "ALPN protocol: \($0)" } ?? "No ALPN negotiated"
    }
}
