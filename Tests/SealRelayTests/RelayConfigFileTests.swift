import Foundation
import SealCore
import Testing
@testable import SealRelay

/// relay.conf as `sealrelayd` reads it and writes it back (`rendered()`): `init`, `edge allow`
/// and the migration of a relay rewrite the operator's file, so what they write must mean
/// what the file meant.
@Suite("relay.conf, read and written back")
struct RelayConfigFileTests {
    func load(_ text: String) throws -> RelayConfig { try RelayConfig.load(text: text) }

    @Test("a listen address that could not be written back as read is refused",
          arguments: ["0.0.0.0:840.].1:8080", "[::1]x:8443", "[127.0.0.1]:8443", "relay example.org:8443",
                      "127.0.0.1:+8443", "127.0.0.1:", "[::1]]:8443", "ｒelay.example.org:8443"])
    func oddListenAddressIsRefused(address: String) {
        #expect(HostPort(address) == nil)
        #expect(throws: ConfigError.self) { try load("listen = \(address)") }
    }

    @Test("names, IPv4 and bracketed IPv6 addresses are read and written back unchanged",
          arguments: ["127.0.0.1:8443", "relay.example.org:443", "[::1]:8443", "[2001:db8::1]:443"])
    func listenAddressRoundTrips(address: String) throws {
        #expect(HostPort(address)?.description == address)
        #expect(try load("listen = \(address)").listen.description == address)
    }

    @Test("values with quotes or outer spaces survive being written out and read back")
    func quotedValuesRoundTrip() throws {
        let config = try load("""
            hostname = ""relay.example.org""
            credential = " padded.fetch.pub "
            credential = "
            spool = ""
            """)
        #expect(config.hostname == "\"relay.example.org\"")
        #expect(config.credentials == [" padded.fetch.pub ", "\""])
        let again = try load(config.rendered())
        #expect(again.hostname == config.hostname)
        #expect(again.credentials == config.credentials)
        #expect(again.spool == config.spool)
        #expect(again.rendered() == config.rendered())
    }

    @Test("a file saved with Windows line endings reads as the same settings")
    func windowsLineEndingsRead() throws {
        let config = try load("hostname = relay.example.org\r\ncredential = a.fetch.pub\r\ncredential = b.fetch.pub\r\n")
        #expect(config.hostname == "relay.example.org")
        #expect(config.credentials == ["a.fetch.pub", "b.fetch.pub"])
    }

    /// Found by the RelayConfig fuzz target: the file's last value kept a carriage return,
    /// and written back with "\n" after it, it read as one line with the credential below it.
    @Test("a carriage return ending the file is a line ending, and the file is written back as it was read")
    func carriageReturnAtTheEndIsALineEnding() throws {
        let config = try load("credential = a.fetch.pub\ncredential = b.fetch.pub\r")
        #expect(config.credentials == ["a.fetch.pub", "b.fetch.pub"])
        let again = try load(config.rendered())
        #expect(again.credentials == config.credentials)
        #expect(again.rendered() == config.rendered())
    }

    @Test("a control character in a line is refused with the line's number",
          arguments: [("hostname = relay\u{0}.example.org", 1), ("credential = a\rb.fetch.pub", 1),
                      ("# a comment\ncredential = a\u{1F}.fetch.pub", 2), ("credential = a.fetch.pub\r\r\n", 1)])
    func controlCharacterIsRefused(text: String, line: Int) {
        #expect {
            try load(text)
        } throws: { error in
            "\(error)".hasSuffix("relay.conf:\(line): a control character; relay.conf is lines of text")
        }
    }
}
