import Hummingbird
import NIOCore

/// The loopback admin listener: liveness and counts (docs/API.md "Admin listener").
struct AdminController: Sendable {
    let metrics: RelayMetrics

    func addRoutes(to group: RouterGroup<BasicRequestContext>) {
        group.get("healthz") { _, _ in "ok\n" }
        group.get("metrics") { _, _ in renderMetrics() }
    }

    func renderMetrics() -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                        body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
}
