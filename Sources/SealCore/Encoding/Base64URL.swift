import Foundation

/// Base64url without padding (RFC 4648 §5), the only binary encoding in SealRelay's JSON.
/// Decoding is strict: padding, whitespace, the standard alphabet and non-canonical trailing
/// bits are all refused, so every value has exactly one spelling.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    /// 0...63 for alphabet bytes, 0xFF for everything else.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    public static func encode(_ bytes: some ContiguousBytes) -> String {
        bytes.withUnsafeBytes { raw in
            var out = [UInt8]()
            out.reserveCapacity((raw.count * 4 + 2) / 3)
            var i = 0
            while i + 3 <= raw.count {
                let n = UInt32(raw[i]) << 16 | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2])
                out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
                i += 3
            }
            switch raw.count - i {
            case 1:
                let n = UInt32(raw[i]) << 16
                out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
            case 2:
                let n = UInt32(raw[i]) << 16 | UInt32(raw[i + 1]) << 8
                out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
            default:
                break
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 != 1 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in chars {
            let v = values[Int(c)]
            guard v != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(accumulator >> UInt32(bits) & 0xFF))
            }
        }
        // Refuse non-canonical encodings: the bits left over must be zero.
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }

    /// Decodes and requires an exact length, the common case for keys and nonces.
    public static func decode(_ text: String, count: Int) -> [UInt8]? {
        guard text.utf8.count == (count * 4 + 2) / 3, let bytes = decode(text), bytes.count == count else { return nil }
        return bytes
    }
}
