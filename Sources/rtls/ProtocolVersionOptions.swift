import ArgumentParser
import ResumableTLS

/// `--tls1_2`, `--tls1_3`, `--min-version`, `--max-version`, `--no-ticket`: the version range
/// and TLS 1.2 ticket use, spelled as `openssl s_client` / `s_server` spell them.
struct ProtocolVersionOptions: ParsableArguments {
    @Flag(name: .customLong("tls1_2"), help: "Speak TLS 1.2 only (like openssl's -tls1_2).")
    var tls12Only = false

    @Flag(name: .customLong("tls1_3"), help: "Speak TLS 1.3 only (like openssl's -tls1_3).")
    var tls13Only = false

    @Option(name: .customLong("min-version"), help: "Oldest version to negotiate: 1.2 or 1.3 (default 1.2).")
    var minimumVersion: VersionArgument?

    @Option(name: .customLong("max-version"), help: "Newest version to negotiate: 1.2 or 1.3 (default 1.3).")
    var maximumVersion: VersionArgument?

    @Flag(name: .customLong("no-ticket"), help: "TLS 1.2: no RFC 5077 session tickets, session IDs only (like openssl's -no_ticket).")
    var noTicket = false

    func validate() throws {
        guard !(tls12Only && tls13Only) else { throw ValidationError("--tls1_2 and --tls1_3 exclude each other") }
        if (tls12Only || tls13Only) && (minimumVersion != nil || maximumVersion != nil) {
            throw ValidationError("--tls1_2 / --tls1_3 exclude --min-version and --max-version")
        }
        if let minimumVersion, let maximumVersion, minimumVersion.version > maximumVersion.version {
            throw ValidationError("--min-version is above --max-version")
        }
    }

    /// Applies the range and ticket setting.
    func apply(to configuration: inout TLSConfiguration) {
        if tls12Only { (configuration.minimumVersion, configuration.maximumVersion) = (.tls12, .tls12) }
        if tls13Only { (configuration.minimumVersion, configuration.maximumVersion) = (.tls13, .tls13) }
        if let minimumVersion { configuration.minimumVersion = minimumVersion.version }
        if let maximumVersion { configuration.maximumVersion = maximumVersion.version }
        if noTicket { configuration.tls12SessionTickets = false }
    }

    /// The range in words, for banners: `TLS 1.2–1.3`, `TLS 1.2`.
    func rangeDescription(_ configuration: TLSConfiguration) -> String {
        let low = configuration.minimumVersion == .tls12 ? "1.2" : "1.3"
        let high = configuration.maximumVersion == .tls12 ? "1.2" : "1.3"
        return low == high ? "TLS \(low)" : "TLS \(low)–\(high)"
    }
}

/// `1.2`, `1.3`, `TLSv1.2` or `TLSv1.3`.
struct VersionArgument: ExpressibleByArgument, Sendable {
    let version: ProtocolVersion

    init?(argument: String) {
        switch argument.lowercased() {
        case "1.2", "tls1.2", "tlsv1.2", "tls1_2": version = .tls12
        case "1.3", "tls1.3", "tlsv1.3", "tls1_3": version = .tls13
        default: return nil
        }
    }
}
