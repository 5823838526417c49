import CoreMetrics
import NIOCore
import NIOResumableTLS
import ResumableTLS

/// Counts the server's resumption decisions (S30) through swift-metrics, as
/// `tls_resumption_decisions_total{outcome, reason}`:
///
/// - `outcome="resumed"`, `reason="none"`: an offered session resumed;
/// - `outcome="not_offered"`, `reason="none"`: the client offered no session;
/// - `outcome="declined"`, `reason=<ResumptionDeclineReason>` (`unknown_ticket`, `expired`,
///   `replayed`, `store_unavailable`, …): a full handshake instead. A handshake whose client
///   offered several sessions, declined for different reasons, counts once under each distinct
///   reason.
///
/// Every series is made up front, so each shows from the first scrape on at zero and a
/// dashboard's rate over it has a start.
final class ResumptionDecisionCounters: Sendable {
    /// The metric's name.
    static let label = "tls_resumption_decisions_total"
    /// The `reason` of the outcomes that have none.
    static let noReason = "none"

    private let resumed: CoreMetrics.Counter
    private let notOffered: CoreMetrics.Counter
    private let declined: [ResumptionDeclineReason: CoreMetrics.Counter]

    /// Counters made by `factory`.
    init(factory: any MetricsFactory) {
        func counter(_ outcome: String, _ reason: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: Self.label, dimensions: [("outcome", outcome), ("reason", reason)], factory: factory)
        }
        resumed = counter("resumed", Self.noReason)
        notOffered = counter("not_offered", Self.noReason)
        var declined: [ResumptionDeclineReason: CoreMetrics.Counter] = [:]
        for reason in ResumptionDeclineReason.allCases {
            declined[reason] = counter("declined", reason.rawValue)
        }
        self.declined = declined
    }

    /// Counts one handshake's `decision`.
    func record(_ decision: ResumptionDecision) {
        switch decision {
        case .resumed:
            resumed.increment()
        case .notOffered:
            notOffered.increment()
        case .declined(let reasons):
            // No reason given reads as unknown_ticket, as in `ResumptionDecision.reasonList`.
            for reason in Set(reasons.isEmpty ? [.unknownTicket] : reasons) {
                declined[reason]?.increment()
            }
        }
    }
}

/// Hands each completed handshake's `NegotiatedParameters.resumption` to a
/// `ResumptionDecisionCounters`; sits in every connection's pipeline after the TLS handler.
final class ResumptionDecisionCountingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let counters: ResumptionDecisionCounters

    init(counters: ResumptionDecisionCounters) {
        self.counters = counters
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let negotiated)? = event as? TLSUserEvent {
            counters.record(negotiated.resumption)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
