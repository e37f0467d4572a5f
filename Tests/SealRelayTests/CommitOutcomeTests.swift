import CoreFoundation
import Foundation
import NIOCore
import NIOHTTP1
import SealCore
import Testing
@testable import SealRelay

/// Bytes handed to the intake as a request body would hand them.
struct BufferSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffers: [ByteBuffer]

    init(_ bytes: [UInt8], slice: Int = 1 << 16) {
        buffers = stride(from: 0, to: bytes.count, by: slice).map { ByteBuffer(bytes: bytes[$0..<Swift.min($0 + slice, bytes.count)]) }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { rest.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: buffers[...]) }
}

@Suite("Commit outcomes are exact")
struct CommitOutcomeTests {
    @Test("a directory fsync that fails after the rename answers an error, and the envelope is never delivered, not even after a restart",
          .fileSpoolOnly("the directory fsync is the file spool's commit; the database's is COMMIT (StorageTests)"))
    func failedDirectorySync() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let failing = SpoolDisk(write: SpoolDisk.standard.write, syncDirectory: { _ in throw SpoolError.io("injected") })
        let intake = EnvelopeIntake(spool: relay.relay.spool, threadPool: Relay.commitPool, disk: failing)
        let kids = Set(relay.relay.bundle.reviewers.map(\.kid))
        await #expect(throws: IntakeError.spool(.io("directory fsync failed"))) {
            _ = try await intake.receive(BufferSequence(envelope), as: .report(reviewers: kids), declaredLength: envelope.count)
        }
        #expect(try await relay.kept().isEmpty)
        #expect(await relay.relay.spool.inbox(for: kids).isEmpty)
        try await relay.restart()
        #expect(await relay.relay.spool.inbox(for: kids).isEmpty)
        await relay.stop()
    }

    @Test("the bytes of an envelope every reviewer acknowledged, posted again, get the same receipt and are not delivered again, even after a restart")
    func replayAfterAcknowledgement() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let receipt = try #require(try await relay.request(.POST, "/v1/reports", body: envelope).json["receipt"] as? String)
        for reviewer in 0..<2 {
            #expect(try await relay.signed(.DELETE, "/v1/inbox/\(receipt)", reviewer: reviewer).status == .noContent)
        }
        let again = try await relay.request(.POST, "/v1/reports", body: envelope)
        #expect(again.status == .accepted && again.json["receipt"] as? String == receipt)
        #expect(try await relay.kept().filter { $0.hasSuffix(".seal") }.isEmpty)
        try await relay.restart()
        #expect(try await relay.request(.POST, "/v1/reports", body: envelope).status == .accepted)
        for reviewer in 0..<2 {
            #expect((try await relay.signed(.GET, "/v1/inbox", reviewer: reviewer).json["envelopes"] as? [Any])?.isEmpty == true)
        }
        #expect(try await relay.kept().filter { $0.hasSuffix(".seal") }.isEmpty)
        await relay.stop()
    }

    @Test("duplicate uploads racing the last acknowledgement leave no entry without its file")
    func duplicateRacingAcknowledgement() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let receipt = try #require(try await relay.request(.POST, "/v1/reports", body: envelope).json["receipt"] as? String)
        #expect(try await relay.signed(.DELETE, "/v1/inbox/\(receipt)", reviewer: 0).status == .noContent)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await relay.request(.POST, "/v1/reports", body: envelope) } }
            group.addTask { _ = try await relay.signed(.DELETE, "/v1/inbox/\(receipt)", reviewer: 1) }
            try await group.waitForAll()
        }
        let listed = try await relay.signed(.GET, "/v1/inbox", reviewer: 1).json["envelopes"] as? [Any]
        let onDisk = try await relay.kept().contains("\(receipt).seal")
        // Either still queued with its file, or gone with its file: never one without the other.
        #expect(listed?.isEmpty == !onDisk)
        if onDisk { #expect(try await relay.signed(.GET, "/v1/inbox/\(receipt)", reviewer: 1).body == envelope) }
        await relay.stop()
    }

    @Test("a failed single-request upload leaves spool/incoming with the epoch as its time")
    func failedUploadLeavesNoTime() async throws {
        let relay = try await TestRelay()
        let truncated = Array(try relay.envelope().dropLast(100))
        #expect(try await relay.request(.POST, "/v1/reports", body: truncated).status == .badRequest)
        var st = stat()
        #expect(stat("\(relay.stateDirectory)/spool/incoming", &st) == 0)
        #expect(st.st_mtim.tv_sec == 0)
        await relay.stop()
    }
}
