/// The library's version, as `rtls --version` prints it.
public enum ResumableTLSVersion {
    /// Semantic version of this build.
    public static let string = "0.1.0"
}
