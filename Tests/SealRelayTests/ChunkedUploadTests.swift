import AsyncHTTPClient
import CoreFoundation
import Foundation
import NIOCore
import NIOHTTP1
import SealCore
import Testing
@testable import SealRelay

/// The chunked report upload (`/v1/uploads`) against the real relay over TLS on loopback.
@Suite("Chunked uploads")
struct ChunkedUploadTests {
    // MARK: helpers

    func create(_ relay: TestRelay) async throws -> String {
        let reply = try await relay.request(.POST, "/v1/uploads")
        #expect(reply.status == .created)
        return try #require(reply.json["upload"] as? String)
    }

    func put(_ relay: TestRelay, _ id: String, offset: Int, _ bytes: some Collection<UInt8>) async throws -> TestRelay.Reply {
        try await relay.request(.PUT, "/v1/uploads/\(id)", body: Array(bytes), headers: [("Upload-Offset", "\(offset)")])
    }

    func complete(_ relay: TestRelay, _ id: String) async throws -> TestRelay.Reply {
        try await relay.request(.POST, "/v1/uploads/\(id)/complete")
    }

    /// Uploads `bytes` in slices of `slice` bytes and completes; returns the completion reply.
    func upload(_ relay: TestRelay, _ bytes: [UInt8], slice: Int = 100_000) async throws -> TestRelay.Reply {
        let id = try await create(relay)
        for start in stride(from: 0, to: bytes.count, by: slice) {
            let reply = try await put(relay, id, offset: start, bytes[start..<min(start + slice, bytes.count)])
            #expect(reply.status == .ok)
            #expect(reply.json["offset"] as? Int == min(start + slice, bytes.count))
        }
        return try await complete(relay, id)
    }


    func inbox(_ relay: TestRelay) async throws -> [String] {
        let reply = try await relay.signed(.GET, "/v1/inbox")
        return (reply.json["envelopes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    func bigEnvelope(_ relay: TestRelay) throws -> [UInt8] {
        try relay.envelope(message: String(repeating: "overtime unpaid ", count: 22_000), suite: .x25519)
    }

    // MARK: tests

    @Test("a chunked upload is queued byte for byte with the receipt a single request gives the same bytes")
    func chunkedEqualsSingle() async throws {
        let relay = try await TestRelay()
        let envelope = try bigEnvelope(relay)
        let chunked = try await upload(relay, envelope, slice: 200_000)
        #expect(chunked.status == .accepted)
        let receipt = try #require(chunked.json["receipt"] as? String)
        #expect(receipt == DaemonTests.contentID(envelope))
        #expect(try await relay.kept() == ["\(receipt).receipt", "\(receipt).seal"], "the envelope and its signed receipt")
        #expect(try await relay.signed(.GET, "/v1/inbox/\(receipt)").body == envelope)
        let single = try await relay.request(.POST, "/v1/reports", body: envelope)
        #expect(single.json["receipt"] as? String == receipt)
        #expect(try await relay.uploadsInProgress().isEmpty)
        await relay.stop()
    }

    @Test("a slice at the wrong offset gets 409 with the current offset and changes nothing")
    func wrongOffset() async throws {
        let relay = try await TestRelay()
        let envelope = try bigEnvelope(relay)
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope[0..<100_000]).status == .ok)
        for wrong in [0, 50_000, 100_001] {
            let reply = try await put(relay, id, offset: wrong, envelope[wrong..<(wrong + 1000)])
            #expect(reply.status == .conflict)
            #expect(reply.json["offset"] as? Int == 100_000)
        }
        #expect(try await put(relay, id, offset: 100_000, envelope[100_000...]).status == .ok)
        let done = try await complete(relay, id)
        #expect(done.status == .accepted)
        #expect(try await relay.signed(.GET, "/v1/inbox/\(DaemonTests.contentID(envelope))").body == envelope)
        await relay.stop()
    }

    @Test("a PUT whose connection drops keeps what arrived, and the upload resumes from the offset a 409 gives",
          .fileSpoolOnly("the database takes a slice's bytes by the MiB or at its end, so the wait below for the first bytes to land has nothing to see; StorageNodeTests cuts a PUT off at one node and resumes it at the other"))
    func resumeAfterDroppedPut() async throws {
        let relay = try await TestRelay()
        let envelope = try bigEnvelope(relay)
        let id = try await create(relay)
        let first = 150_000
        // A slice announced as 300 000 bytes of which only the first 150 000 are sent, then
        // the connection is broken off.
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        var request = HTTPClientRequest(url: relay.base + "/v1/uploads/\(id)")
        request.method = .PUT
        request.headers.add(name: "Upload-Offset", value: "0")
        request.body = .stream(stream, length: .known(Int64(300_000)))
        let dropped = Task { try await relay.client.execute(request, timeout: .seconds(30)) }
        continuation.yield(ByteBuffer(bytes: envelope[0..<first]))
        // The relay writes in batches: once the file holds all but the last one, the rest
        // is on its way or held in memory.
        func written() async throws -> Int? { try await relay.uploadsInProgress().first }
        try await waitUntil { (try await written() ?? 0) > first - 2 * IncomingBytes.batchBytes }
        try await Task.sleep(for: .milliseconds(300))
        continuation.finish(throwing: CancellationError())
        _ = try? await dropped.value
        // The relay notices the broken body, writes what it held, and puts the upload back
        // at the bytes it has.
        var offset = 0
        try await waitUntil {
            let reply = try await self.put(relay, id, offset: 0, envelope[0..<10])
            offset = reply.json["offset"] as? Int ?? 0
            return reply.status == .conflict && offset > 0
        }
        #expect(offset > first - 2 * IncomingBytes.batchBytes && offset <= first)
        #expect(try await written() == offset, "every byte the offset counts is in the file")
        #expect(try await self.put(relay, id, offset: offset, envelope[offset...]).status == .ok)
        let done = try await complete(relay, id)
        #expect(done.status == .accepted)
        #expect(done.json["receipt"] as? String == DaemonTests.contentID(envelope))
        #expect(try await relay.signed(.GET, "/v1/inbox/\(DaemonTests.contentID(envelope))").body == envelope)
        await relay.stop()
    }

    @Test("completing a truncated or overlong envelope answers 400 and leaves nothing in the spool",
          arguments: ["truncated-header", "truncated-payload", "trailing-bytes"])
    func completeRefusesMalformed(kind: String) async throws {
        let relay = try await TestRelay()
        let good = try relay.envelope()
        let body: [UInt8]
        switch kind {
        case "truncated-header": body = Array(good.prefix(200))
        case "truncated-payload": body = Array(good.dropLast(100))
        default: body = good + [0, 0, 0]
        }
        let single = try await relay.request(.POST, "/v1/reports", body: body)
        let chunked = try await upload(relay, body, slice: 7000)
        #expect(chunked.status == .badRequest)
        #expect(chunked.json["error"] as? String == single.json["error"] as? String, "the same reason as a single request")
        #expect(try await relay.kept().isEmpty)
        #expect(try await relay.uploadsInProgress().isEmpty)
        await relay.stop()
    }

    @Test("a slice that cannot start an envelope is refused at once with 400 and the upload is gone")
    func garbageRefusedEarly() async throws {
        let relay = try await TestRelay()
        let id = try await create(relay)
        let reply = try await put(relay, id, offset: 0, Array("hello relay, this is not an envelope".utf8))
        #expect(reply.status == .badRequest)
        #expect(try await complete(relay, id).status == .notFound)
        #expect(try await relay.uploadsInProgress().isEmpty)
        await relay.stop()
    }

    @Test("an envelope addressed outside the bundle is refused on the slice that completes its header")
    func unknownKidRefused() async throws {
        let relay = try await TestRelay()
        let stranger = try ReviewerIdentity.generate(name: "mallory")
        let envelope = try relay.envelope(to: [stranger.publicKey])
        let id = try await create(relay)
        let reply = try await put(relay, id, offset: 0, envelope)
        #expect(reply.status == .badRequest)
        #expect((reply.json["error"] as? String)?.contains("not in the current bundle") == true)
        #expect(try await relay.uploadsInProgress().isEmpty)
        await relay.stop()
    }

    @Test("an unknown or malformed upload id answers 404 on every route",
          arguments: ["AAAAAAAAAAAAAAAAAAAAAA", "not-an-id", "..%2F..%2Fenvelopes"])
    func unknownID(id: String) async throws {
        let relay = try await TestRelay()
        #expect(try await put(relay, id, offset: 0, [1, 2, 3]).status == .notFound)
        #expect(try await complete(relay, id).status == .notFound)
        #expect(try await relay.request(.DELETE, "/v1/uploads/\(id)").status == .notFound)
        await relay.stop()
    }

    @Test("an upload idle past the timeout is deleted with its file, and its id answers 404")
    func idleUploadExpires() async throws {
        // Three seconds, not one: on a loaded machine the first slice must still arrive in time.
        let relay = try await TestRelay { $0.uploadIdleTimeoutSeconds = 3 }
        let envelope = try relay.envelope()
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope.prefix(5000)).status == .ok)
        #expect(try await relay.uploadsInProgress().count == 1)
        try await waitUntil(seconds: 20) { try await relay.uploadsInProgress().isEmpty }
        #expect(try await put(relay, id, offset: 5000, envelope[5000...]).status == .notFound)
        #expect(try await complete(relay, id).status == .notFound)
        await relay.stop()
    }

    @Test("an upload that gains less than upload_min_bytes_per_minute in a full minute after its first is deleted")
    func slowUploadLosesItsSlot() async throws {
        let relay = try await TestRelay { $0.uploadMinBytesPerMinute = 10_000 }
        let envelope = try relay.envelope(message: String(repeating: "slow ", count: 10_000))
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope.prefix(5000)).status == .ok)
        #expect(await relay.relay.uploads.expireIdle(now: .now + .seconds(121)) == 1)
        #expect(try await relay.uploadsInProgress().isEmpty)
        #expect(try await put(relay, id, offset: 5000, envelope[5000...]).status == .notFound)
        await relay.stop()
    }

    @Test("an upload that keeps upload_min_bytes_per_minute keeps its slot and completes")
    func steadyUploadKeepsItsSlot() async throws {
        let relay = try await TestRelay { $0.uploadMinBytesPerMinute = 10_000 }
        let envelope = try relay.envelope(message: String(repeating: "steady ", count: 10_000))
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope.prefix(20_000)).status == .ok)
        #expect(await relay.relay.uploads.expireIdle(now: .now + .seconds(121)) == 0)
        #expect(try await put(relay, id, offset: 20_000, envelope[20_000...]).status == .ok)
        #expect(try await complete(relay, id).status == .accepted)
        await relay.stop()
    }

    @Test("an empty slice is not progress: it does not restart the idle clock")
    func emptySliceIsNotProgress() async throws {
        let relay = try await TestRelay { $0.uploadIdleTimeoutSeconds = 10 }
        let envelope = try relay.envelope()
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope.prefix(5000)).status == .ok)
        let lastProgress = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        #expect(try await put(relay, id, offset: 5000, []).status == .ok)
        #expect(await relay.relay.uploads.expireIdle(now: lastProgress + .milliseconds(10_500)) == 1)
        #expect(try await put(relay, id, offset: 5000, envelope[5000...]).status == .notFound)
        await relay.stop()
    }

    @Test("when every slot is held, a paid upload takes the place of the slowest one past its first ten seconds")
    func newcomerDisplacesTheSlowestSlot() async throws {
        let relay = try await TestRelay { $0.maxUploads = 2 }
        let envelope = try relay.envelope(message: String(repeating: "fair ", count: 10_000))
        let start = ContinuousClock.now
        let slow = try await create(relay)
        let fast = try await create(relay)
        #expect(try await put(relay, slow, offset: 0, envelope.prefix(1000)).status == .ok)
        #expect(try await put(relay, fast, offset: 0, envelope.prefix(30_000)).status == .ok)
        // Asked as of `start`, however long the requests above took on a loaded machine.
        await #expect(throws: UploadRefusal.tooManyUploads, "both are in their grace") {
            try await relay.relay.uploads.create(now: start)
        }
        _ = try await relay.relay.uploads.create(now: .now + .seconds(11))
        #expect(try await put(relay, slow, offset: 1000, envelope[1000...]).status == .notFound)
        #expect(try await put(relay, fast, offset: 30_000, envelope[30_000...]).status == .ok)
        #expect(try await complete(relay, fast).status == .accepted)
        await relay.stop()
    }

    @Test("at most max_uploads are open at once; the next gets 503 until one ends")
    func concurrentCap() async throws {
        let relay = try await TestRelay { $0.maxUploads = 2 }
        let a = try await create(relay)
        _ = try await create(relay)
        let third = try await relay.request(.POST, "/v1/uploads")
        #expect(third.status == .serviceUnavailable)
        #expect((third.json["error"] as? String)?.isEmpty == false)
        #expect(try await relay.request(.DELETE, "/v1/uploads/\(a)").status == .noContent)
        #expect(try await relay.request(.POST, "/v1/uploads").status == .created)
        await relay.stop()
    }

    @Test("an open upload holds its place in the spool quota: the next report gets 507 until it is cancelled")
    func uploadHoldsQuota() async throws {
        let relay = try await TestRelay { $0.maxEnvelopes = 1 }
        let id = try await create(relay)
        let envelope = try relay.envelope()
        #expect(try await relay.request(.POST, "/v1/reports", body: envelope).status == .insufficientStorage)
        #expect(try await relay.request(.POST, "/v1/uploads").status == .insufficientStorage)
        #expect(try await relay.request(.DELETE, "/v1/uploads/\(id)").status == .noContent)
        #expect(try await relay.request(.POST, "/v1/reports", body: envelope).status == .accepted)
        #expect(try await relay.uploadsInProgress().isEmpty)
        await relay.stop()
    }

    @Test("bytes of open uploads count against max_spool_bytes: a report that would overflow it gets 507")
    func uploadBytesCountAgainstSpoolBytes() async throws {
        let relay = try await TestRelay { $0.maxEnvelopeBytes = 400_000; $0.maxSpoolBytes = 700_000 }
        let envelope = try bigEnvelope(relay)
        #expect(envelope.count > 300_000 && envelope.count <= 400_000)
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope).status == .ok)
        #expect(try await relay.request(.POST, "/v1/reports", body: envelope).status == .insufficientStorage)
        #expect(try await complete(relay, id).status == .accepted)
        #expect(try await relay.kept().filter { $0.hasSuffix(".seal") }.count == 1)
        await relay.stop()
    }

    @Test("an upload that grows past max_envelope_bytes answers 413, like a single request, and is gone")
    func oversize() async throws {
        let relay = try await TestRelay { $0.maxEnvelopeBytes = 20_000; $0.maxSpoolBytes = 1 << 20 }
        let envelope = try relay.envelope(message: String(repeating: "x", count: 30_000))
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope.prefix(15_000)).status == .ok)
        #expect(try await put(relay, id, offset: 15_000, envelope[15_000...]).status == .payloadTooLarge)
        #expect(try await complete(relay, id).status == .notFound)
        #expect(try await relay.uploadsInProgress().isEmpty)
        #expect(try await relay.kept().isEmpty)
        await relay.stop()
    }

    @Test("a slice over 8 MiB is refused with 413")
    func sliceLimit() async throws {
        let relay = try await TestRelay()
        let id = try await create(relay)
        let reply = try await put(relay, id, offset: 0, [UInt8](repeating: 0x53, count: ChunkedUploads.maxSliceBytes + 1))
        #expect(reply.status == .payloadTooLarge)
        #expect(try await relay.uploadsInProgress().isEmpty)
        await relay.stop()
    }

    @Test("a restart deletes partial uploads; their ids answer 404 after it",
          .fileSpoolOnly("with the database an upload outlives the node that took it, so another node or a restarted one resumes it (StorageNodeTests)"))
    func restartRemovesPartials() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope.prefix(5000)).status == .ok)
        #expect(try await relay.uploadsInProgress().count == 1)
        try await relay.restart()
        #expect(try await relay.uploadsInProgress().isEmpty)
        #expect(try await put(relay, id, offset: 5000, envelope[5000...]).status == .notFound)
        await relay.stop()
    }

    @Test("a waiting upload's file carries no time: its times are the epoch",
          .fileSpoolOnly("the database keeps an upload's bytes in rows with a day, not in a file (StorageTests)"))
    func partialFileHasNoTime() async throws {
        let relay = try await TestRelay()
        let envelope = try relay.envelope()
        let id = try await create(relay)
        #expect(try await put(relay, id, offset: 0, envelope.prefix(5000)).status == .ok)
        let dir = "\(relay.stateDirectory)/spool/incoming"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
        var st = stat()
        #expect(stat("\(dir)/\(name)", &st) == 0)
        #expect(st.st_mtim.tv_sec == 0 && st.st_atim.tv_sec == 0)
        #expect(stat(dir, &st) == 0)
        #expect(st.st_mtim.tv_sec == 0)
        await relay.stop()
    }

    /// Polls `condition` every 50 ms for up to `seconds`; fails the test if it never holds.
    func waitUntil(seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("condition did not hold within \(seconds) s")
    }
}
