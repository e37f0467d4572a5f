/// What one pass of a scrubber found, in the words the source and the reviewer read.
/// `removed` is everything a scrub takes out (shown to the source); `identifying` is the
/// part a reviewer must be warned about, so a harmless leftover such as padding, a genre or
/// a pixel-density field does not raise an alarm in `seal open`. Every scrubber (images,
/// audio and video, PDF, office documents) reports through this one type.
struct Findings {
    private(set) var removed: [String] = []
    private(set) var identifying: [String] = []

    /// Empty words stand for a removal that needs no mention.
    mutating func add(_ words: String, identifying isIdentifying: Bool = true) {
        guard !words.isEmpty else { return }
        if !removed.contains(words) { removed.append(words) }
        if isIdentifying, !identifying.contains(words) { identifying.append(words) }
    }

    mutating func add(contentsOf other: [String]) {
        for words in other { add(words) }
    }

    mutating func merge(_ other: Findings) {
        for words in other.removed { add(words, identifying: other.identifying.contains(words)) }
    }
}
