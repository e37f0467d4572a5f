import SealCore

/// Asks for a passphrase at most once and keeps the answer for the rest of the command: an
/// epochs file seals each month on its own, and the reviewer types the passphrase once
/// for the file, not once per month.
final class PassphraseOnce {
    private let ask: () throws -> Passphrase?
    private var answer: Passphrase??

    init(_ ask: @escaping () throws -> Passphrase?) { self.ask = ask }

    var value: Passphrase? {
        get throws {
            if let answer { return answer }
            let got = try ask()
            answer = .some(got)
            return got
        }
    }

    /// The passphrase if one was already given, without asking.
    var given: Passphrase? { answer ?? nil }

    func provider() -> () throws -> Passphrase? { { try self.value } }
}
