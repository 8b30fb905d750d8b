public enum NewswireVersion {
    public static let string = "0.1.0"
}
