import Foundation
import Testing

/// docs/FORMAT.md §3-4: a reader rejects a missing last chunk, trailing data, a truncated stream and a
/// header MAC that does not verify, with a clear error and no partial plaintext left behind
/// as if it were complete. For `seal open` that means exit 1, one line, and under `--out`
/// no `thread-*` folder, no hidden `.opening-*` staging folder and no `.partial` file.
@Suite("seal open refuses damaged envelopes")
final class DamagedEnvelopeTests {
    let seal: SealCLI
    init() throws { seal = try SealCLI() }
    deinit { seal.remove() }

    static let wireChunk = 65536 + 16

    /// A report whose padded plaintext is exactly two full 64 KiB chunks (Padmé rounds
    /// 4 + manifest + 130000 up to 131072), so the envelope ends on a chunk boundary.
    private func sealedReport() throws -> (envelope: Data, payloadStart: Int) {
        let org = try seal.makeWorld()
        let line = "14 hours, no pay since August; passports kept by the agency.\n"
        var text = String(repeating: line, count: 130_000 / line.utf8.count)
        text += String(repeating: "x", count: 130_000 - text.utf8.count)
        try seal.write("log.txt", text)
        let result = try seal.encrypt(org, out: "r.seal", ["--message", "see the log", "--attach", "log.txt"])
        #expect(result.status == 0, "\(result)")
        let envelope = try seal.read("r.seal")
        let payloadStart = 10 + Bytes.headerLength(envelope) + 32
        try #require(envelope.count - payloadStart == 2 * Self.wireChunk,
                     "fixture should end on a chunk boundary: payload is \(envelope.count - payloadStart) bytes")
        // The untouched envelope opens: the failures below are caused by the damage alone.
        try seal.ok("open", "--key", "keys/alice.seckey", "--out", "control", "r.seal")
        return (envelope, payloadStart)
    }

    private func openDamaged(_ bytes: Data) throws -> RunResult {
        try seal.write("damaged.seal", bytes)
        return try seal.run("open", "--key", "keys/alice.seckey", "--out", "out", "damaged.seal")
    }

    @Test func envelopeMissingItsLast100BytesIsRefused() throws {
        let (envelope, _) = try sealedReport()
        let result = try openDamaged(envelope.dropLast(100))
        expectUserError(result, mentioning: ["damaged.seal", "chunk"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func envelopeMissingItsWholeLastChunkIsRefusedAsTruncated() throws {
        let (envelope, _) = try sealedReport()
        let result = try openDamaged(envelope.dropLast(Self.wireChunk))
        expectUserError(result, mentioning: ["damaged.seal", "truncated"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func envelopeCutInsideItsHeaderIsRefused() throws {
        let (envelope, payloadStart) = try sealedReport()
        let result = try openDamaged(envelope.prefix(payloadStart - 40))
        expectUserError(result, mentioning: ["damaged.seal", "truncated"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func envelopeWithTrailingGarbageIsRefused() throws {
        let (envelope, _) = try sealedReport()
        let result = try openDamaged(envelope + Data("garbage after the end".utf8))
        expectUserError(result, mentioning: ["damaged.seal", "after its final chunk"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func flippedByteInTheHeaderMACIsRefused() throws {
        let (envelope, payloadStart) = try sealedReport()
        let result = try openDamaged(Bytes.flip(envelope, at: payloadStart - 32 + 7))
        expectUserError(result, mentioning: ["damaged.seal", "header authentication failed"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func flippedByteInTheHeaderSaltIsRefused() throws {
        // The salt feeds only the payload key: the header MAC is what catches this.
        let (envelope, payloadStart) = try sealedReport()
        let header = String(decoding: envelope[10..<(payloadStart - 32)], as: UTF8.self)
        let range = try #require(header.range(of: "\"salt\":\""))
        let offset = 10 + header.utf8.distance(from: header.startIndex, to: range.upperBound) + 3
        var damaged = envelope
        // Swap one base64url character for another, so the header still parses.
        damaged[offset] = damaged[offset] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let result = try openDamaged(damaged)
        expectUserError(result, mentioning: ["damaged.seal", "header authentication failed"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func flippedByteInTheLastChunkIsRefusedAfterEarlierChunksWereDecrypted() throws {
        // Chunk 0 decrypts and is written to staging before chunk 1 fails: none of it may stay.
        let (envelope, _) = try sealedReport()
        let result = try openDamaged(Bytes.flip(envelope, at: envelope.count - 500))
        expectUserError(result, mentioning: ["damaged.seal", "chunk 1"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func envelopeOfAnUnknownVersionIsRefused() throws {
        try seal.makeWorld()
        let result = try openDamaged(Data("SEAL9\nfrom the future".utf8))
        expectUserError(result, mentioning: ["damaged.seal", "version"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func envelopeNotAddressedToTheKeyIsRefused() throws {
        let org = try seal.makeWorld()
        let other = try seal.makeOrg("other-org")
        try seal.makeReviewer("carol", in: "other-keys")
        try seal.signBundle(other, reviewers: ["carol"], keysDir: "other-keys", out: "other-bundle.json")
        #expect(try seal.encrypt(org, out: "r.seal", ["--message", "for alice only"]).status == 0)

        let result = try seal.run("open", "--key", "other-keys/carol.seckey", "--out", "out", "r.seal")
        expectUserError(result, mentioning: ["r.seal", "not addressed to your key"])
        seal.expectNothingOpened(in: "out")
    }

    @Test func folderWithOneBadEnvelopeOpensTheGoodOnesAndExitsOne() throws {
        let org = try seal.makeWorld()
        try seal.write("inbox/bad.seal", "not an envelope at all")
        #expect(try seal.encrypt(org, out: "inbox/good.seal", ["--message", "fine"]).status == 0)
        let result = try seal.run("open", "--key", "keys/alice.seckey", "--out", "out", "inbox")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderrLines.allSatisfy { $0.hasPrefix("seal: ") }, "\(result)")
        #expect(result.stderr.contains("bad.seal"), "\(result)")
        expectNoCrashOutput(result)
        #expect(seal.reportFolders(in: "out").count == 1)
        #expect(!seal.list("out").contains { $0.hasPrefix(".") }, "\(seal.list("out"))")
    }
}
