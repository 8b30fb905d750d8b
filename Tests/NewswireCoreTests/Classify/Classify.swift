import Testing

/// Groups the classifier stage's suites so `swift test --filter Classify` runs exactly them.
@Suite enum Classify {}
