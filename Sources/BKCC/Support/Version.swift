/// The library's version; `include/bkcc.h` states the same numbers (`BKCC_VERSION_*`), and the C tests check
/// that the two agree.
public enum BKCCVersion {
    public static let major = 0
    public static let minor = 1
    public static let patch = 0
    public static let staticString: StaticString = "0.1.0"
    public static var string: String { staticString.description }
}
