import CQPDF
import Foundation
import SealCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One PDF opened with qpdf's C API, for one call on one thread (a `qpdf_data` is not
/// thread-safe, so every scrub or inspection makes its own).
///
/// qpdf parses and writes; SealRelay never parses PDF syntax itself. The C API reports
/// failures by setting an error on the `qpdf_data` rather than by returning one, so every
/// step that can fail is followed by `check`, which turns the error into one `ScrubError`.
/// qpdf prints nothing: its own messages name the file it was given, which here is a
/// `/proc/self/fd` path, and its warnings would mix into the terminal output.
final class QPDFDocument {
    typealias Handle = qpdf_oh

    private let data: qpdf_data
    /// Kept alive for qpdf, which reads an in-memory PDF without copying it.
    private var buffer: UnsafeMutableRawBufferPointer?
    let name: String

    /// - Parameter name: the file name for messages (never the path qpdf was given).
    init(_ input: InputFile, name: String) throws {
        self.name = name
        guard let q = qpdf_init() else { throw FileError(description: "cannot start qpdf for \(name)") }
        self.data = q
        qpdf_silence_errors(q)
        qpdf_set_suppress_warnings(q, QPDF_TRUE)
        // A damaged file is refused, not reconstructed: what qpdf's recovery would rebuild
        // is a guess, and a guess is a poor basis for saying "this file is clean".
        qpdf_set_attempt_recovery(q, QPDF_FALSE)
        if let bytes = input.bytesInMemory {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
            buffer = copy
            _ = qpdf_read_memory(q, name, copy.baseAddress?.assumingMemoryBound(to: CChar.self),
                                 UInt64(bytes.count), "")
        } else if let path = input.descriptorPath {
            // The empty password opens files that are encrypted only against editing or
            // printing; a file that needs a password to open fails with qpdf_e_password.
            _ = qpdf_read(q, path, "")
        } else {
            throw FileError(description: "cannot read \(name)")
        }
        try check()
        strict = true
    }

    deinit {
        // qpdf_cleanup frees the document, every handle and every string qpdf returned.
        var q: qpdf_data? = data
        qpdf_cleanup(&q)
        buffer?.deallocate()
    }

    // MARK: Errors

    /// Once the file is open, a warning is an error. While reading the cross-reference
    /// table qpdf warns about harmless slips (a wrong object count) that many writers make;
    /// after that, a warning means qpdf replaced something it could not read, a page's
    /// content for instance, with nothing, and a "cleaned" copy would silently lose it.
    private var strict = false

    /// Throws the pending qpdf error, if any, as one line about `name`. Warnings are
    /// drained as they come so a file built to raise millions of them cannot grow memory.
    func check() throws {
        var warning: String?
        while qpdf_more_warnings(data) != QPDF_FALSE {
            if let w = qpdf_next_warning(data), strict, warning == nil {
                warning = qpdf_get_error_message_detail(data, w).map { String(cString: $0) }
            }
        }
        guard qpdf_has_error(data) != QPDF_FALSE, let error = qpdf_get_error(data) else {
            if let warning { throw damaged(UntrustedLabel.oneLine(warning)) }
            return
        }
        let detail = UntrustedLabel.oneLine(qpdf_get_error_message_detail(data, error).map { String(cString: $0) } ?? "")
        switch qpdf_get_error_code(data, error) {
        case qpdf_e_password:
            throw ScrubError.refused(name: name, format: "PDF",
                                     reason: "it is protected by a password; open it, print it to a new PDF and send that")
        case qpdf_e_unsupported:
            throw ScrubError.refused(name: name, format: "PDF", reason: "it uses a feature qpdf cannot read: \(detail)")
        case qpdf_e_system:
            throw FileError(description: "cannot read or write \(name): \(detail)")
        default:
            throw damaged(detail.isEmpty ? "qpdf cannot read it" : detail)
        }
    }

    private func damaged(_ reason: String) -> ScrubError {
        if reason.contains("bad_alloc") {
            // An allocation failed under MemoryCeiling: a file built to exhaust memory.
            return .refused(name: name, format: "PDF", reason: "reading it needs more than \(PDFScrubber.memoryAllowance >> 20) MiB of memory")
        }
        return .malformed(name: name, format: "PDF", reason: reason)
    }

    // MARK: Document

    var isEncrypted: Bool { qpdf_is_encrypted(data) != QPDF_FALSE }
    var isLinearized: Bool { qpdf_is_linearized(data) != QPDF_FALSE }

    func trailer() throws -> Handle {
        let h = qpdf_get_trailer(data)
        try check()
        return h
    }

    func root() throws -> Handle {
        let h = qpdf_get_root(data)
        try check()
        return h
    }

    // MARK: Objects

    func release(_ h: Handle) { qpdf_oh_release(data, h) }

    /// The object's type; resolving an indirect reference here is where a damaged object
    /// is found, so this can throw.
    func type(_ h: Handle) throws -> qpdf_object_type_e {
        let t = qpdf_oh_get_type_code(data, h)
        try check()
        return t
    }

    func isIndirect(_ h: Handle) -> Bool { qpdf_oh_is_indirect(data, h) != QPDF_FALSE }

    /// Object number and generation of an indirect object.
    func objectID(_ h: Handle) -> (Int32, Int32) {
        (qpdf_oh_get_object_id(data, h), qpdf_oh_get_generation(data, h))
    }

    /// A dictionary's (or a stream dictionary's) keys, with their leading slash.
    ///
    /// A key that cannot be named back to qpdf refuses the file, since whatever it holds
    /// would pass through the cleaning untouched; fuzzers found trailer entries that did:
    /// - one not UTF-8 (`/I#BD#DF`): a Swift `String` repairs it, and the repaired name
    ///   finds nothing when it is looked up or removed;
    /// - one with a NUL in it (qpdf reads `/Si#` before a line break as `/Si` and a NUL):
    ///   qpdf's C interface hands it over cut at the NUL, and `/Si` finds nothing either.
    func keys(_ dict: Handle) throws -> [String] {
        qpdf_oh_begin_dict_key_iter(data, dict)
        var keys: [String] = []
        var unreadable = false
        while qpdf_oh_dict_more_keys(data) != QPDF_FALSE {
            guard let k = qpdf_oh_dict_next_key(data) else { continue }
            if let key = String(validatingCString: k) { keys.append(key) } else { unreadable = true }
        }
        try check()
        guard !unreadable, keys.allSatisfy({ has(dict, $0) }) else {
            throw ScrubError.refused(name: name, format: "PDF",
                                     reason: "a dictionary in it has a key that is not text, which SealRelay cannot check")
        }
        return keys
    }

    func has(_ dict: Handle, _ key: String) -> Bool { qpdf_oh_has_key(data, dict, key) != QPDF_FALSE }

    /// The value under `key` (a new handle, to be released), or nil when absent.
    func value(_ dict: Handle, _ key: String) throws -> Handle? {
        guard has(dict, key) else { return nil }
        let h = qpdf_oh_get_key(data, dict, key)
        try check()
        return h
    }

    func remove(_ dict: Handle, _ key: String) throws {
        qpdf_oh_remove_key(data, dict, key)
        try check()
    }

    /// The name under `key` ("/Image"), or nil when absent or not a name.
    func name(_ dict: Handle, _ key: String) throws -> String? {
        guard let h = try value(dict, key) else { return nil }
        defer { release(h) }
        return try name(h)
    }

    func name(_ h: Handle) throws -> String? {
        guard try type(h) == ot_name, let s = qpdf_oh_get_name(data, h) else { return nil }
        return String(cString: s)
    }

    /// A text string as UTF-8 (qpdf decodes PDFDocEncoding and UTF-16), or nil.
    func text(_ h: Handle) throws -> String? {
        guard try type(h) == ot_string else { return nil }
        var p: UnsafePointer<CChar>?
        var n = 0
        guard qpdf_oh_get_value_as_utf8(data, h, &p, &n) != QPDF_FALSE, let p else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    func text(_ dict: Handle, _ key: String) throws -> String? {
        guard let h = try value(dict, key) else { return nil }
        defer { release(h) }
        return try text(h)
    }

    func count(_ array: Handle) throws -> Int {
        let n = qpdf_oh_get_array_n_items(data, array)
        try check()
        return Int(n)
    }

    func item(_ array: Handle, _ i: Int) throws -> Handle {
        let h = qpdf_oh_get_array_item(data, array, Int32(i))
        try check()
        return h
    }

    func erase(_ array: Handle, _ i: Int) throws {
        qpdf_oh_erase_item(data, array, Int32(i))
        try check()
    }

    /// A stream's dictionary (a new handle, to be released).
    func streamDictionary(_ stream: Handle) throws -> Handle {
        let h = qpdf_oh_get_dict(data, stream)
        try check()
        return h
    }

    /// The stream's bytes exactly as stored (filters not applied), so a JPEG comes out as
    /// the JPEG file it is; with `.generalized`, after qpdf has undone the general-purpose
    /// filters (the caller makes sure those cannot expand without bound). Copied out of
    /// qpdf's malloc'd buffer, which is freed here.
    func streamData(_ stream: Handle, decoding level: qpdf_stream_decode_level_e = qpdf_dl_none) throws -> [UInt8] {
        var p: UnsafeMutablePointer<UInt8>?
        var n = 0
        var filtered: QPDF_BOOL = QPDF_FALSE
        _ = qpdf_oh_get_stream_data(data, stream, level, &filtered, &p, &n)
        defer { free(p) }
        try check()
        if level != qpdf_dl_none, filtered == QPDF_FALSE {
            throw ScrubError.malformed(name: name, format: "PDF", reason: "qpdf cannot decode a stream")
        }
        guard let p else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    /// Sets a stream's /Filter to `filters` and drops its /DecodeParms.
    func setFilters(_ dictionary: Handle, _ filters: [String]) throws {
        let array = qpdf_oh_new_array(data)
        defer { release(array) }
        for f in filters {
            let n = qpdf_oh_new_name(data, f)
            qpdf_oh_append_item(data, array, n)
            release(n)
        }
        qpdf_oh_replace_key(data, dictionary, "/Filter", array)
        qpdf_oh_remove_key(data, dictionary, "/DecodeParms")
        try check()
    }

    /// Replaces a stream's bytes, stored under the one filter `filter` with `parms`.
    func replaceStreamData(_ stream: Handle, with bytes: [UInt8], filter: String, parms: Handle?) throws {
        let f = qpdf_oh_new_name(data, filter)
        defer { release(f) }
        let p = parms ?? qpdf_oh_new_null(data)
        defer { if parms == nil { release(p) } }
        bytes.withUnsafeBufferPointer { b in
            qpdf_oh_replace_stream_data(data, stream, b.baseAddress, b.count, f, p)
        }
        try check()
    }

    // MARK: Writing

    /// Writes the whole document anew into `output`.
    ///
    /// - Deterministic ID: qpdf's default ID hashes the time and the output file name.
    ///   The caller has removed the original /ID, of which qpdf would otherwise keep the
    ///   first half (as the PDF specification suggests for an edited file).
    /// - Stream data is copied as stored: nothing is decompressed, so a compression bomb
    ///   costs no memory, and images keep their exact bytes.
    /// - No object streams: every object is written as plain text, so anyone can search
    ///   the cleaned file for a name with `grep` and trust what they find.
    /// - Only objects reachable from the new trailer are written, and the file is written
    ///   from the start, so earlier incremental revisions do not survive.
    func write(to output: AtomicFile) throws {
        if let path = output.descriptorPath {
            _ = qpdf_init_write(data, path)
        } else {
            _ = qpdf_init_write_memory(data)
        }
        try check()
        qpdf_set_deterministic_ID(data, QPDF_TRUE)
        qpdf_set_decode_level(data, qpdf_dl_none)
        qpdf_set_object_stream_mode(data, qpdf_o_disable)
        qpdf_set_preserve_encryption(data, QPDF_FALSE)
        qpdf_set_suppress_original_object_IDs(data, QPDF_TRUE)
        qpdf_set_preserve_unreferenced_objects(data, QPDF_FALSE)
        qpdf_set_linearization(data, QPDF_FALSE)
        qpdf_set_qdf_mode(data, QPDF_FALSE)
        _ = qpdf_write(data)
        try check()
        if output.descriptorPath == nil {
            let n = qpdf_get_buffer_length(data)
            if n > 0, let p = qpdf_get_buffer(data) {
                try output.write(UnsafeRawBufferPointer(start: p, count: n))
            }
        }
    }
}
