import Crypto
import Foundation
import Testing

@testable import SealCore

// Vectors used here, all produced outside this Swift code:
//
// - Vectors/bip39-vectors.json: the BIP39 reference vectors (`vectors.json` of
//   trezor/python-mnemonic, shipped in the PyPI sdist `mnemonic-0.21`), entropy and mnemonic
//   only, for English, Korean, Simplified and Traditional Chinese, 128 to 256 bits.
//
// - Vectors/codename-crosscheck.json: eight entropies (all-zero, all-one, six random) with
//   the words python-mnemonic 0.21 gives in the three languages and the docs/FORMAT.md §5 derivation
//   computed with Python `cryptography` 48.0.0. Regenerate with this script (the Swift tests
//   never run Python):
//
//     import json, os, hashlib, base64
//     from mnemonic import Mnemonic
//     from cryptography.hazmat.primitives.kdf.hkdf import HKDF
//     from cryptography.hazmat.primitives import hashes, serialization
//     from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
//     def hkdf(ikm, info, n):
//         return HKDF(algorithm=hashes.SHA256(), length=n, salt=b"seal1 codename", info=info).derive(ikm)
//     def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
//     out = []
//     for ent in [bytes(16), bytes([0xff]*16)] + [os.urandom(16) for _ in range(6)]:
//         rk = hkdf(ent, b"reply key", 32)
//         pub = X25519PrivateKey.from_private_bytes(rk).public_key().public_bytes(
//             serialization.Encoding.Raw, serialization.PublicFormat.Raw)
//         ms = hkdf(ent, b"mailbox", 32)
//         th = hkdf(ent, b"thread", 16)
//         out.append({"entropy": ent.hex(),
//             "english": Mnemonic("english").to_mnemonic(ent),
//             "korean": Mnemonic("korean").to_mnemonic(ent),
//             "chinese_simplified": Mnemonic("chinese_simplified").to_mnemonic(ent),
//             "reply_private": rk.hex(), "reply_public": pub.hex(), "mailbox_secret": ms.hex(),
//             "mailbox_id": b64u(hashlib.sha256(ms).digest()[:16]), "thread": b64u(th)})
//     print(json.dumps({"generated_by": "...", "entries": out}, ensure_ascii=False, indent=1))

private struct BIP39VectorFile: Decodable {
    struct Entry: Decodable {
        let entropy: String
        let mnemonic: String
    }
    let english: [Entry]
    let korean: [Entry]
    let chineseSimplified: [Entry]
    let chineseTraditional: [Entry]

    func entries(for language: CodenameLanguage) -> [Entry] {
        switch language {
        case .english: return english
        case .korean: return korean
        case .chineseSimplified: return chineseSimplified
        }
    }
}

private struct CrossCheckFile: Decodable {
    struct Entry: Decodable {
        let entropy: String
        let english: String
        let korean: String
        let chineseSimplified: String
        let replyPrivate: String
        let replyPublic: String
        let mailboxSecret: String
        let mailboxId: String
        let thread: String

        func phrase(in language: CodenameLanguage) -> String {
            switch language {
            case .english: return english
            case .korean: return korean
            case .chineseSimplified: return chineseSimplified
            }
        }
    }
    let entries: [Entry]
}

private func loadVectors<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"))
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: Data(contentsOf: url))
}

private func secure(_ hex: String) throws -> SecureBytes {
    SecureBytes(copying: try #require(Hex.decode(hex)))
}

private func hex(_ bytes: SecureBytes) -> String {
    bytes.withUnsafeBytes { Hex.encode(Array($0)) }
}

/// Swift compares strings by canonical equivalence, so NFC and NFKD Hangul are `==`; these
/// tests need to see the actual code points.
private func scalars(_ text: String) -> [UInt32] {
    text.unicodeScalars.map(\.value)
}

private func nfc(_ text: String) -> String { text.precomposedStringWithCanonicalMapping }
private func nfd(_ text: String) -> String { text.decomposedStringWithCanonicalMapping }

private func parseError(_ text: String) -> CodenameError? {
    do {
        _ = try Codename(parsing: text)
        return nil
    } catch let error as CodenameError {
        return error
    } catch {
        return nil
    }
}

/// A published 128-bit vector (entropy 7f7f...7f) used as the base for input variations.
private let legalPhrase = "legal winner thank year wave sausage worth useful legal winner thank yellow"
private let legalEntropy = "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f"

@Suite struct CodenameTests {

    // MARK: Word lists

    @Test func wordListsAreTheBIP39Lists() {
        for language in CodenameLanguage.allCases {
            let list = CodenameWordList.list(for: language)
            #expect(list.words.count == 2048)
            #expect(Set(list.words).count == 2048)
            #expect(list.displayWords.allSatisfy { scalars($0) == scalars(nfc($0)) })
        }
        #expect(CodenameWordList.english.words.first == "abandon")
        #expect(CodenameWordList.english.words.last == "zoo")
        // The Korean file is stored decomposed, as BIP39 specifies.
        #expect(scalars(CodenameWordList.korean.words[0]) == [0x1100, 0x1161, 0x1100, 0x1167, 0x11A8])
        #expect(scalars(CodenameWordList.korean.displayWords[0]) == scalars("\u{AC00}\u{ACA9}"))
        #expect(CodenameWordList.chineseSimplified.words.first == "的")
        #expect(CodenameWordList.chineseSimplified.words.last == "歇")
    }

    // MARK: BIP39 vectors

    @Test(arguments: CodenameLanguage.allCases)
    func publishedVectorsEntropyToWords(language: CodenameLanguage) throws {
        let vectors = try loadVectors("bip39-vectors", as: BIP39VectorFile.self).entries(for: language)
        #expect(vectors.count == 24)
        let list = CodenameWordList.list(for: language)
        for vector in vectors {
            let entropy = try #require(Hex.decode(vector.entropy))
            let indices = try #require(BIP39.indices(for: entropy))
            let words = indices.map { list.words[$0] }
            // Every length: exact code points of the standard (NFKD for Korean).
            #expect(scalars(words.joined(separator: " ")) == scalars(vector.mnemonic))
            if entropy.count == 16 {
                let codename = try Codename(entropy: secure(vector.entropy))
                #expect(codename.words(in: language).count == 12)
                #expect(scalars(codename.phrase(in: language)) == scalars(nfc(vector.mnemonic)))
            }
        }
    }

    @Test(arguments: CodenameLanguage.allCases)
    func publishedVectorsWordsToEntropy(language: CodenameLanguage) throws {
        let vectors = try loadVectors("bip39-vectors", as: BIP39VectorFile.self).entries(for: language)
        let list = CodenameWordList.list(for: language)
        var twelveWordVectors = 0
        for vector in vectors {
            // All lengths through the bit layout...
            let typed = CodenameText.words(in: vector.mnemonic)
            let indices = try typed.map { try #require(list.index(of: $0)) }
            let decoded = try BIP39.entropy(fromIndices: indices).get()
            #expect(hex(decoded) == vector.entropy)
            // ...and the 12-word ones through the public parser.
            if typed.count == 12 {
                twelveWordVectors += 1
                let codename = try Codename(parsing: vector.mnemonic)
                #expect(hex(codename.entropy) == vector.entropy)
                #expect(codename.language == language)
            } else {
                #expect(parseError(vector.mnemonic) == .wrongWordCount(typed.count))
            }
        }
        #expect(twelveWordVectors == 8)
    }

    @Test func traditionalChineseIsReadAsTheSameWords() throws {
        let vectors = try loadVectors("bip39-vectors", as: BIP39VectorFile.self).chineseTraditional
        var differing = 0
        for vector in vectors where vector.entropy.count == 32 {
            let codename = try Codename(parsing: vector.mnemonic)
            #expect(hex(codename.entropy) == vector.entropy)
            #expect(codename.language == .chineseSimplified)
            if codename.phrase(in: .chineseSimplified) != vector.mnemonic { differing += 1 }
        }
        // Make sure the vectors really exercised characters that differ between the scripts.
        #expect(differing > 0)
    }

    // MARK: Independent cross-check (python-mnemonic and Python cryptography)

    @Test func pythonMnemonicAgreesOnWords() throws {
        let file = try loadVectors("codename-crosscheck", as: CrossCheckFile.self)
        #expect(file.entries.count == 8)
        for entry in file.entries {
            let codename = try Codename(entropy: secure(entry.entropy))
            for language in CodenameLanguage.allCases {
                let expected = entry.phrase(in: language)
                #expect(scalars(codename.phrase(in: language)) == scalars(nfc(expected)))
                let parsed = try Codename(parsing: expected)
                #expect(parsed == codename)
                #expect(parsed.language == language)
            }
        }
    }

    @Test func pythonCryptographyAgreesOnDerivation() throws {
        let file = try loadVectors("codename-crosscheck", as: CrossCheckFile.self)
        for entry in file.entries {
            let secrets = try Codename(entropy: secure(entry.entropy)).secrets()
            #expect(Hex.encode(secrets.replyKey.rawRepresentation) == entry.replyPrivate)
            #expect(Hex.encode(secrets.replyKey.publicKey.rawRepresentation) == entry.replyPublic)
            #expect(hex(secrets.mailboxSecret) == entry.mailboxSecret)
            #expect(secrets.mailboxID == entry.mailboxId)
            #expect(secrets.thread == entry.thread)
        }
    }

    /// Produced with Python `cryptography` 48.0.0 for entropy 00 01 02 ... 0f:
    ///   HKDF(SHA256(), length=n, salt=b"seal1 codename", info=LABEL).derive(bytes(range(16)))
    ///   for LABEL in (b"reply key", 32), (b"mailbox", 32), (b"thread", 16); the public key via
    ///   X25519PrivateKey.from_private_bytes(...).public_key(); mailbox id =
    ///   urlsafe_b64encode(sha256(mailbox_secret)[:16]) without "="; the words via
    ///   Mnemonic("english").to_mnemonic(bytes(range(16))).
    @Test func derivationMatchesFixedVector() throws {
        let codename = try Codename(parsing: "abandon amount liar amount expire adjust cage candy arch gather drum buyer")
        #expect(hex(codename.entropy) == "000102030405060708090a0b0c0d0e0f")
        let secrets = codename.secrets()
        #expect(Hex.encode(secrets.replyKey.rawRepresentation)
            == "477bd35dbdc27ff4abc487e358daceb9f513139a3e93bb208f9cf863c93ff71e")
        #expect(Hex.encode(secrets.replyKey.publicKey.rawRepresentation)
            == "37873f70add034a5619b83e29a16cd8272446fbcc927c50ace7a37b91a486c34")
        #expect(hex(secrets.mailboxSecret) == "81b3a2276792c8effb2e8ab86bba4b15dc3c6da374f19c97e9c785ea0a5a537d")
        #expect(secrets.mailboxID == "bDXoFpWZdVLWOi8MaNJ3HQ")
        #expect(Hex.encode(secrets.threadID) == "a57dc9a53d12ce84e853a37e87e56e5c")
        #expect(secrets.thread == "pX3JpT0SzoToU6N-h-VuXA")
    }

    @Test func derivationDependsOnlyOnEntropyNotLanguage() throws {
        let original = Codename.generate()
        let reference = original.secrets()
        for language in CodenameLanguage.allCases {
            let secrets = try Codename(parsing: original.phrase(in: language)).secrets()
            #expect(secrets.replyKey.rawRepresentation == reference.replyKey.rawRepresentation)
            #expect(secrets.mailboxID == reference.mailboxID)
            #expect(secrets.thread == reference.thread)
        }
    }

    // MARK: Languages

    @Test func sameEntropyInEveryLanguageParsesBack() throws {
        for _ in 0..<20 {
            let codename = Codename.generate()
            #expect(codename.entropy.count == 16)
            #expect(codename.language == .english)
            for language in CodenameLanguage.allCases {
                let words = codename.words(in: language)
                #expect(words.count == 12)
                #expect(codename.phrase(in: language) == words.joined(separator: " "))
                let parsed = try Codename(parsing: codename.phrase(in: language))
                #expect(parsed == codename)
                #expect(hex(parsed.entropy) == hex(codename.entropy))
                #expect(parsed.language == language)
            }
        }
    }

    @Test func generatedCodenamesDiffer() {
        let a = Codename.generate(), b = Codename.generate()
        #expect(a != b)
        #expect(Codename.generate(language: .korean).language == .korean)
    }

    @Test func languageTags() {
        #expect(CodenameLanguage(tag: "en-GB") == .english)
        #expect(CodenameLanguage(tag: "ko_KR") == .korean)
        #expect(CodenameLanguage(tag: "zh-Hans-CN") == .chineseSimplified)
        #expect(CodenameLanguage(tag: "zh-TW") == .chineseSimplified)
        #expect(CodenameLanguage(tag: "chinese_simplified") == .chineseSimplified)
        #expect(CodenameLanguage(tag: "Korean") == .korean)
        #expect(CodenameLanguage(tag: "fr") == nil)
        #expect(CodenameLanguage(tag: "") == nil)
    }

    // MARK: Input tolerance

    @Test(arguments: [
        legalPhrase,
        legalPhrase.uppercased(),
        "Legal Winner THANK year Wave sausage worth Useful legal winner thank yellow",
        "  legal\twinner\nthank,year ,wave;sausage   worth useful\r\nlegal winner thank yellow.  ",
        "legal\u{3000}winner\u{3000}thank\u{3000}year\u{3000}wave\u{3000}sausage\u{3000}worth\u{3000}useful\u{3000}legal\u{3000}winner\u{3000}thank\u{3000}yellow",
        "legal\u{00A0}winner\u{200B}thank\u{2003}year wave\u{FEFF} sausage worth useful legal winner thank yellow",
        "1. legal 2. winner 3. thank 4. year 5. wave 6. sausage 7. worth 8. useful 9. legal 10. winner 11. thank 12. yellow",
        "lega winn than year wave saus wort usef lega winn than yell",
        "legál wínner thank year wave sausage worth useful legal winner thank yellow",
    ])
    func englishInputVariations(text: String) throws {
        let codename = try Codename(parsing: text)
        #expect(hex(codename.entropy) == legalEntropy)
        #expect(codename.language == .english)
    }

    @Test func fullWidthLatinIsAccepted() throws {
        // U+FF21.. are full-width forms of ASCII letters, joined by the ideographic space.
        let fullWidth = String(String.UnicodeScalarView(legalPhrase.uppercased().unicodeScalars.map { scalar in
            scalar == " " ? "\u{3000}" : Unicode.Scalar(scalar.value - 0x20 + 0xFF00) ?? scalar
        }))
        #expect(!fullWidth.contains("L"))
        let codename = try Codename(parsing: fullWidth)
        #expect(hex(codename.entropy) == legalEntropy)
    }

    @Test func koreanInAnyNormalisationForm() throws {
        let entry = try #require(loadVectors("codename-crosscheck", as: CrossCheckFile.self).entries.last)
        let decomposed = entry.korean  // python-mnemonic prints the NFKD list words
        let composed = nfc(decomposed)
        #expect(scalars(composed) != scalars(decomposed))
        let variants = [
            decomposed,
            composed,
            composed.replacingOccurrences(of: " ", with: "\u{3000}"),
            composed.replacingOccurrences(of: " ", with: "\n") + "\n",
            composed.replacingOccurrences(of: " ", with: ", "),
            "  " + composed.replacingOccurrences(of: " ", with: "   ") + " ",
        ]
        for text in variants {
            let codename = try Codename(parsing: text)
            #expect(hex(codename.entropy) == entry.entropy)
            #expect(codename.language == .korean)
        }
    }

    @Test func chineseWithOrWithoutSpaces() throws {
        let entry = try #require(loadVectors("codename-crosscheck", as: CrossCheckFile.self).entries.last)
        let spaced = entry.chineseSimplified
        let characters = spaced.split(separator: " ")
        #expect(characters.count == 12)
        let variants = [
            spaced,
            characters.joined(),
            characters.joined(separator: "\u{3000}"),
            characters.joined(separator: "，"),
            characters.joined(separator: "、"),
            "\(characters[0..<4].joined()) \(characters[4..<8].joined())\n\(characters[8..<12].joined())。",
        ]
        for text in variants {
            let codename = try Codename(parsing: text)
            #expect(hex(codename.entropy) == entry.entropy)
            #expect(codename.language == .chineseSimplified)
        }
    }

    @Test func phraseUsesPlainSpacesAndComposedHangul() throws {
        let codename = try Codename(entropy: secure(legalEntropy))
        for language in CodenameLanguage.allCases {
            let phrase = codename.phrase(in: language)
            #expect(phrase.unicodeScalars.filter { $0.properties.isWhitespace }.allSatisfy { $0 == " " })
            #expect(phrase.split(separator: " ", omittingEmptySubsequences: false).count == 12)
            #expect(scalars(phrase) == scalars(nfc(phrase)))
        }
    }

    // MARK: Refusals

    @Test func unknownEnglishWordIsNamedWithSuggestions() throws {
        var words = legalPhrase.split(separator: " ").map(String.init)
        words[3] = "yaer"  // "year" with two letters swapped
        let text = words.joined(separator: " ")
        let error = try #require(parseError(text))
        guard case .unknownWord(let position, let word, let suggestions) = error else {
            Issue.record("expected unknownWord, got \(error)")
            return
        }
        #expect(position == 4)
        #expect(word == "yaer")
        #expect(suggestions.first == "year")
        #expect((1...3).contains(suggestions.count))
        #expect(error.description.contains("yaer"))
        #expect(error.description.contains("“year”"))
        #expect(error.description.contains("4"))
        #expect(!error.description.contains(legalPhrase))
    }

    @Test func suggestionsComeFromTheTypedLanguage() throws {
        let codename = try Codename(entropy: secure(legalEntropy))
        var words = codename.words(in: .korean)
        let original = words[5]
        // Drop the last jamo of the word: a one-key slip on a Korean keyboard.
        let typo = nfc(String(String.UnicodeScalarView(nfd(original).unicodeScalars.dropLast())))
        #expect(CodenameWordList.korean.index(of: CodenameText.normalise(typo)) == nil)
        words[5] = typo
        let error = try #require(parseError(words.joined(separator: " ")))
        guard case .unknownWord(let position, let word, let suggestions) = error else {
            Issue.record("expected unknownWord, got \(error)")
            return
        }
        #expect(position == 6)
        #expect(scalars(word) == scalars(typo))
        #expect(suggestions.contains(original))
        #expect(suggestions.count <= 3)
        #expect(suggestions.allSatisfy { CodenameWordList.korean.displayWords.contains($0) })
    }

    @Test func unknownChineseCharacterGetsNoMisleadingSuggestions() throws {
        let codename = try Codename(entropy: secure(legalEntropy))
        var characters = codename.words(in: .chineseSimplified)
        characters[11] = "龘"  // a real character that is in neither Chinese list
        let error = parseError(characters.joined())
        #expect(error == .unknownWord(position: 12, word: "龘", suggestions: []))
        #expect(error?.description.contains("龘") == true)
    }

    @Test func longUnknownTokenIsNotEchoedWhole() throws {
        var words = legalPhrase.split(separator: " ").map(String.init)
        words[0] = String(repeating: "secret", count: 20)
        let error = try #require(parseError(words.joined(separator: " ")))
        #expect(!error.description.contains(words[0]))
        #expect(error.description.contains("…"))
    }

    @Test func wrongChecksumIsRefused() throws {
        #expect(parseError(Array(repeating: "abandon", count: 12).joined(separator: " ")) == .checksumMismatch)
        // From python-mnemonic's own test_failed_checksum.
        #expect(parseError("bless cloud wheel regular tiny venue bird web grief security dignity zoo") == .checksumMismatch)
        // Two words swapped in a valid codename.
        var words = legalPhrase.split(separator: " ").map(String.init)
        words.swapAt(2, 3)
        #expect(parseError(words.joined(separator: " ")) == .checksumMismatch)
        let korean = Array(repeating: nfc(CodenameWordList.korean.words[0]), count: 12).joined(separator: " ")
        #expect(parseError(korean) == .checksumMismatch)
        #expect(CodenameError.checksumMismatch.description.contains("12 words"))
    }

    @Test func wrongWordCountIsNamed() throws {
        let words = legalPhrase.split(separator: " ").map(String.init)
        #expect(parseError(words.dropLast().joined(separator: " ")) == .wrongWordCount(11))
        #expect(parseError((words + ["zoo"]).joined(separator: " ")) == .wrongWordCount(13))
        #expect(parseError("legal") == .wrongWordCount(1))
        // A codename typed without spaces in English is one long "word", not echoed back.
        let runTogether = words.joined()
        #expect(parseError(runTogether) == .wrongWordCount(1))
        let chinese = try Codename(entropy: secure(legalEntropy)).words(in: .chineseSimplified)
        #expect(parseError(chinese.dropLast().joined()) == .wrongWordCount(11))
        #expect(CodenameError.wrongWordCount(11).description.contains("11"))
        #expect(CodenameError.wrongWordCount(1).description.contains("1 word"))
    }

    @Test func mixedLanguagesAreRefused() throws {
        let codename = try Codename(entropy: secure(legalEntropy))
        var words = codename.words(in: .english)
        words[7] = codename.words(in: .korean)[7]
        #expect(parseError(words.joined(separator: " ")) == .mixedLanguages)
    }

    @Test func emptyInputIsRefused() {
        #expect(parseError("") == .empty)
        #expect(parseError(" \n\t\u{3000} ,,, 1. 2. ") == .empty)
    }

    @Test func entropyMustBeSixteenBytes() {
        for count in [0, 15, 17, 32] {
            #expect(throws: CodenameError.invalidEntropyLength(count)) {
                _ = try Codename(entropy: SecureBytes.random(count: count))
            }
        }
    }

    @Test func everyMessageIsOnePlainSentence() {
        let errors: [CodenameError] = [
            .empty, .wrongWordCount(1), .wrongWordCount(11), .mixedLanguages, .checksumMismatch,
            .unknownWord(position: 3, word: "abandn", suggestions: ["abandon", "ability"]),
            .unknownWord(position: 3, word: "xq", suggestions: []),
            .invalidEntropyLength(8),
        ]
        for error in errors {
            let text = error.description
            #expect(!text.isEmpty)
            #expect(text.first?.isUppercase == true)
            #expect(text.hasSuffix(".") || text.hasSuffix("?"))
            #expect(!text.dropLast().contains(". "))
            #expect(!text.contains("\n"))
            #expect(error.localizedDescription == text)
        }
        #expect(CodenameError.unknownWord(position: 3, word: "abandn", suggestions: ["abandon", "ability"]).description
            == "Word 3, “abandn”, is not one of the codename words; did you mean “abandon” or “ability”?")
    }

    @Test func printingNeverShowsTheWords() throws {
        let codename = try Codename(parsing: legalPhrase)
        var dumped = ""
        dump(codename, to: &dumped)
        dump(codename.secrets(), to: &dumped)
        let printed = "\(codename) \(String(reflecting: codename)) \(codename.secrets()) " + dumped
        for word in ["legal", "winner", "yellow", codename.secrets().mailboxID, codename.secrets().thread] {
            #expect(!printed.contains(word))
        }
    }

    // MARK: Building blocks

    @Test func editDistanceCountsSwapsAsOneEdit() {
        func distance(_ a: String, _ b: String) -> Int {
            CodenameWordList.editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars))
        }
        #expect(distance("year", "yaer") == 1)
        #expect(distance("kitten", "sitting") == 3)
        #expect(distance("", "abc") == 3)
        #expect(distance("abandon", "abandon") == 0)
    }

    @Test func bip39RefusesBadIndexSequences() {
        #expect(BIP39.entropy(fromIndices: []).failure == .invalidLength)
        #expect(BIP39.entropy(fromIndices: Array(repeating: 0, count: 11)).failure == .invalidLength)
        #expect(BIP39.entropy(fromIndices: Array(repeating: 2048, count: 12)).failure == .indexOutOfRange)
        #expect(BIP39.indices(for: [UInt8](repeating: 0, count: 15)) == nil)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
