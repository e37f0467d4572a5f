import HTTPTypes
import Hummingbird
import SealAPI
import SealCore

extension EnvelopeIntake {
    /// Receives an upload and answers it: 202 with the receipt, or throws the refusal.
    func answer(_ request: Request, as delivery: Delivery, metrics: RelayMetrics,
                expectedDigest: [UInt8]? = nil) async throws -> Response {
        do {
            let receipt = try await receive(request.body, as: delivery, declaredLength: request.declaredLength,
                                       expectedDigest: expectedDigest)
            return Self.accepted(receipt, metrics: metrics)
        } catch {
            throw RelayError(refusing: error, metrics: metrics)
        }
    }

    static func accepted(_ receipt: Receipt, metrics: RelayMetrics) -> Response {
        // The spool gauges are refreshed when /metrics is read, not on this hot path.
        metrics.countAccepted()
        return Response.json(.accepted, receipt)
    }
}
