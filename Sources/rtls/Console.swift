import Foundation

/// Writes lines to stdout at once (unbuffered), so a script reading them sees each as it comes.
enum Console {
    /// Writes `line` and a newline to stdout.
    static func line(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Writes `text` as is to stdout.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
