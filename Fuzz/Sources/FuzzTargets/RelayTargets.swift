import Dispatch
import Foundation
import Glibc
import SealAPI
@testable import SealCore
@testable import SealRelay

/// Harnesses for what the relay parses from the network and its operator, and for the
/// plaintext container a reviewer's `seal open` reads once an envelope has authenticated.
/// They reach internal types, so the fuzz build compiles SealRelay's modules with
/// `-enable-testing` (scripts/fuzz.sh).
extension FuzzTargets {
    /// The streaming validator every upload passes through, fed in slices whose sizes the
    /// first byte chooses, for a report addressed to whatever kids the head names (so the
    /// fuzzer gets past the recipient check) and for a reply.
    public static func validator(_ data: UnsafeRawBufferPointer) {
        guard let step = data.first.map({ Int($0) * 97 + 1 }) else { return }
        let body = UnsafeRawBufferPointer(rebasing: data.dropFirst())
        let kids = Set((try? EnvelopeHead.parse(Array(body)))??.header.kids ?? [])
        for delivery in [Delivery.report(reviewers: kids), .reply(mailbox: MailboxID.random())] {
            var validator = EnvelopeValidator(delivery: delivery, maxBytes: 1 << 20)
            var offset = 0
            var refused = false
            while offset < body.count, !refused {
                let end = min(offset + step, body.count)
                refused = (try? validator.consume(UnsafeRawBufferPointer(rebasing: body[offset..<end]))) == nil
                offset = end
            }
            precondition(refused || validator.total == body.count, "the validator lost count of the bytes it was fed")
            guard !refused, let verdict = try? validator.finish() else { continue }
            precondition(verdict.size == body.count && verdict.head.length <= body.count, "an accepted envelope's sizes disagree")
        }
    }

    /// relay.conf as an operator (or a configuration-management mistake) writes it: whatever
    /// the parser accepts, `rendered()` must write back so that it reads the same
    /// (Tests/SealRelayTests/RelayConfigFileTests.swift holds the cases found so far).
    public static func relayConfig(_ data: UnsafeRawBufferPointer) {
        let path = "/dev/shm/sealrelay-fuzz-conf-\(getpid())"
        guard (try? AtomicFile.write(Array(data), to: path, mode: 0o600, replaceExisting: true)) != nil else {
            preconditionFailure("cannot write \(path)")
        }
        defer { unlink(path) }
        guard let config = try? RelayConfig.load(path: path) else { return }
        let again = "\(path).again"
        defer { unlink(again) }
        guard (try? AtomicFile.write(Array(config.rendered().utf8), to: again, mode: 0o600, replaceExisting: true)) != nil,
              let reloaded = try? RelayConfig.load(path: again)
        else { preconditionFailure("a configuration the relay accepted does not survive being written out") }
        precondition(reloaded.rendered() == config.rendered(), "a configuration changes when written out and read back")
    }

    /// The plaintext of a report as `seal open` receives it after decryption: length,
    /// manifest, attachments, padding, written into a folder in memory-backed /dev/shm, in
    /// slices whose sizes the first byte chooses.
    public static func reportContainer(_ data: UnsafeRawBufferPointer) {
        guard let step = data.first.map({ Int($0) * 257 + 1 }) else { return }
        let body = UnsafeRawBufferPointer(rebasing: data.dropFirst())
        let folder = "/dev/shm/sealrelay-fuzz-report-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        guard (try? FileSystem.makePrivateDirectory(folder)) != nil else { preconditionFailure("cannot make \(folder)") }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var reader = ReportReader(folder: folder)
        var offset = 0
        while offset < body.count {
            let end = min(offset + step, body.count)
            guard (try? reader.write(UnsafeRawBufferPointer(rebasing: body[offset..<end]))) != nil else { return }
            offset = end
        }
        guard (try? reader.finish()) != nil, let manifest = reader.manifest else { return }
        precondition(manifest.files.count <= Manifest.maxFiles, "a manifest over the file limit was accepted")
        let names = Set(reader.savedNames)
        precondition(names.count == reader.savedNames.count, "two attachments were saved under one name")
        for name in names {
            precondition(!name.contains("/") && name != "." && name != "..", "an attachment was saved outside its folder")
        }
    }

    /// The upload table's state machine: creating, checking out at an offset, checking in
    /// with more bytes, finishing and expiring uploads in the order the input says, with
    /// the invariants the chunked-upload routes rely on checked after every step.
    public static func uploadTable(_ data: UnsafeRawBufferPointer) {
        let ops = Array(data)
        let done = DispatchSemaphore(value: 0)
        Task {
            await runUploadTable(ops)
            done.signal()
        }
        done.wait()
    }

    private static func runUploadTable(_ ops: [UInt8]) async {
        let capacity = 4
        let table = UploadTable(capacity: capacity, idleTimeout: .seconds(60), minimumBytesPerMinute: 100)
        var now = ContinuousClock.now
        var ids: [UploadID] = []
        var out: [UploadID: ChunkedUpload] = [:]
        var number = 0
        var i = 0
        func next() -> Int {
            defer { i += 1 }
            return i < ops.count ? Int(ops[i]) : 0
        }
        while i < ops.count {
            let op = next()
            let pick = ids.isEmpty ? nil : ids[next() % ids.count]
            switch op % 6 {
            case 0:
                number += 1
                let upload = ChunkedUpload(reservation: .init(number: number),
                                           validator: EnvelopeValidator(delivery: .reply(mailbox: MailboxID.random()), maxBytes: 1 << 20))
                let inserted = await table.insert(upload, now: now)
                let count = await table.count
                if let (id, displaced) = inserted {
                    ids.append(id)
                    if displaced != nil { precondition(count == capacity, "a displacement left a slot empty") }
                } else {
                    precondition(count == capacity, "a table with room refused an upload")
                }
            case 1:
                guard let id = pick, out[id] == nil else { continue }
                if case .ok(let upload) = await table.checkOut(id, at: nil) { out[id] = upload }
            case 2:
                guard let id = pick, var upload = out.removeValue(forKey: id) else { continue }
                let grow = [UInt8](repeating: 0, count: next())
                _ = grow.withUnsafeBytes { try? upload.validator.consume($0) }
                await table.checkIn(id, upload, now: now)
                if case .ok(let again) = await table.checkOut(id, at: upload.offset) {
                    out[id] = again
                }
            case 3:
                guard let id = pick else { continue }
                if out.removeValue(forKey: id) != nil {
                    await table.finish(id)
                    if case .missing = await table.checkOut(id, at: nil) {} else {
                        preconditionFailure("a finished upload can still be checked out")
                    }
                }
            case 4:
                now += .seconds(next())
                for (_, upload) in await table.expire(now: now) {
                    precondition(!out.values.contains { $0.reservation == upload.reservation }, "a busy upload expired")
                }
            default:
                guard let id = pick else { continue }
                if case .ok = await table.checkOut(id, at: nil), out[id] != nil {
                    preconditionFailure("one upload was checked out twice")
                }
            }
            let count = await table.count
            precondition(count <= capacity, "more uploads than slots")
        }
    }
}
