#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time (user + system) used so far, in seconds, by the calling thread
/// (`getrusage(RUSAGE_THREAD)`), or by the whole process where threads cannot be measured.
enum ThreadCPUTime {
    /// What `now()` measures, for the output.
    static var source: String {
        #if os(Linux)
        return "getrusage(RUSAGE_THREAD) on the server's event-loop thread"
        #else
        return "getrusage(RUSAGE_SELF) (whole process)"
        #endif
    }

    /// The CPU time used so far.
    static func now() -> Double {
        var usage = rusage()
        #if os(Linux)
        // RUSAGE_THREAD (1) needs _GNU_SOURCE, which Glibc is not imported with.
        _ = getrusage(__rusage_who_t(1), &usage)
        #else
        _ = getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
