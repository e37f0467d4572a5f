import Foundation
import SealCore
import Testing
@testable import SealRelay

#if canImport(Glibc)
import Glibc
#endif

@Suite("sealrelayd demo")
struct DemoTests {
    @Test("on a taken port the demo prints no instructions and says which address is taken and how to choose another")
    func takenPort() async throws {
        // Hold a port as another program would.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        #expect(listen(fd, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let (status, output) = try await MetadataPolicyTests.run(try RelayDaemon.binary(), ["demo", "--listen", "127.0.0.1:\(port)"])
        #expect(status == 1)
        #expect(output.contains("127.0.0.1:\(port) is already in use"))
        #expect(output.contains("--listen"))
        #expect(!output.contains("SealRelay demo relay on"))
        #expect(!output.contains("errno"))
    }
}
