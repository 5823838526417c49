import Foundation

/// How a call run under a time limit ended.
enum TimeLimitedOutcome<Value: Sendable>: Sendable {
    case value(Value)
    case failed
    case timedOut
}

/// Runs `operation` and returns its value, or `.failed` if it throws, or `.timedOut` once
/// `limit` has passed (or the caller is cancelled), whichever comes first (S23).
///
/// The operation runs in its own task, which is cancelled when the limit passes; the caller
/// never waits for it beyond the limit, even if it ignores cancellation (a task group would).
func runWithTimeLimit<Value: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable () async throws -> Value
) async -> TimeLimitedOutcome<Value> {
    let race = FirstOutcome<TimeLimitedOutcome<Value>>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            race.install(continuation)
            race.track(Task {
                do {
                    race.offer(.value(try await operation()))
                } catch {
                    race.offer(.failed)
                }
            })
            race.track(Task {
                try? await Task.sleep(for: limit)
                race.offer(.timedOut)
            })
        }
    } onCancel: {
        race.offer(.timedOut)
    }
}

/// Hands the first offered outcome to a continuation, once, and cancels the racing tasks.
private final class FirstOutcome<Outcome: Sendable>: Sendable {
    private struct State: Sendable {
        var continuation: CheckedContinuation<Outcome, Never>?
        var outcome: Outcome?
        var isDecided = false
        var tasks: [Task<Void, Never>] = []
    }

    private let state = LockedValue(State())

    func install(_ continuation: CheckedContinuation<Outcome, Never>) {
        let decided: Outcome? = state.withLock { state in
            if state.isDecided { return state.outcome }
            state.continuation = continuation
            return nil
        }
        if let decided { continuation.resume(returning: decided) }
    }

    func track(_ task: Task<Void, Never>) {
        let isDecided = state.withLock { state in
            if !state.isDecided { state.tasks.append(task) }
            return state.isDecided
        }
        if isDecided { task.cancel() }
    }

    func offer(_ outcome: Outcome) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<Outcome, Never>?, [Task<Void, Never>]) in
            guard !state.isDecided else { return (nil, []) }
            state.isDecided = true
            let continuation = state.continuation
            if continuation == nil { state.outcome = outcome }
            state.continuation = nil
            let tasks = state.tasks
            state.tasks = []
            return (continuation, tasks)
        }
        continuation?.resume(returning: outcome)
        for task in tasks { task.cancel() }
    }
}
