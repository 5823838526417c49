/// A failure the CLI reports as one line on stderr, exiting with status 1.
struct CLIError: Error, CustomStringConvertible {
    /// What went wrong, for a person.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
