import ArgumentParser
import SealCore

struct CodenameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codename",
        abstract: "Show a codename in another language, or check that it was written down correctly.")

    @Option(help: "The codename file.") var codenameFile: String
    @Option(help: "Show it in: english, korean or chinese.") var language: String = "english"

    func validate() throws {
        if CodenameLanguage(tag: language) == nil { throw ValidationError("--language must be english, korean or chinese") }
    }

    func run() throws {
        let bytes = try InputFile.readAll(path: codenameFile, limit: 4096)
        let codename = try Codename(parsing: String(decoding: bytes, as: UTF8.self))
        print(codename.phrase(in: CodenameLanguage(tag: language) ?? .english))
    }
}
