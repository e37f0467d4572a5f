/// Where a shared report came from (docs/FORMAT.md §10): the original envelope's id, the day
/// and signed receipt its relay gave, and every attachment of the original with its
/// SHA-256, including those not passed on. A partner organisation can so match what it got
/// to the original organisation's case file, and check the receipt if it knows that relay.
public struct ShareCustody: Codable, Equatable, Sendable {
    public struct File: Codable, Equatable, Sendable {
        public var name: String
        public var sha256: String

        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    public var envelope: EnvelopeID?
    public var day: String?
    public var receipt: SignedReceipt?
    public var attachments: [File]

    public init(envelope: EnvelopeID?, day: String?, receipt: SignedReceipt?, attachments: [File]) {
        self.envelope = envelope
        self.day = day
        self.receipt = receipt
        self.attachments = attachments
    }

    /// Bounded and well-formed, as a reader needs before it trusts any of it.
    var isAcceptable: Bool {
        attachments.count <= Manifest.maxFiles && (day?.utf8.count ?? 10) == 10
            && attachments.allSatisfy { $0.sha256.utf8.count == 64 && Hex.decode($0.sha256) != nil && $0.name.utf8.count <= 4096 }
    }
}
