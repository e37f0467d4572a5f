/// A reviewer's name as the relay uses it in file names (`credentials/NAME.fetch.pub`)
/// and in relay.conf: names come from a bundle and key files someone else made, so only
/// a plain name is used, never one that could leave the folder or end a config line.
enum ReviewerName {
    static func check(_ name: String) throws -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".utf8)
        guard (1...64).contains(name.utf8.count), name.utf8.allSatisfy(allowed.contains), !name.hasPrefix(".") else {
            throw ConfigError("the reviewer name \"\(name.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 }.prefix(64))\" is not a plain name (letters, digits, . _ -; at most 64)")
        }
        return name
    }
}
