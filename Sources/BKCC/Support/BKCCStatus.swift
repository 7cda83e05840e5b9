/// A bkcc status code: the C `bkcc_status` as a Swift value. A struct rather than an enum, so that a status
/// added to the C enum never breaks a `switch` in client code.
public struct BKCCStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Success. `BKCC_OK`
    public static let ok = BKCCStatus(rawValue: 0)
    /// Bad argument or configuration. `BKCC_EINVAL`
    public static let invalidArgument = BKCCStatus(rawValue: 1)
    /// Details failed client-side checks; nothing was sent. `BKCC_EVALIDATION`
    public static let validation = BKCCStatus(rawValue: 2)
    /// No HTTP answer: connect, DNS, TLS, timeout, reset. `BKCC_ETRANSPORT`
    public static let transport = BKCCStatus(rawValue: 3)
    /// HTTP error status with no CMDB envelope. `BKCC_EHTTP`
    public static let http = BKCCStatus(rawValue: 4)
    /// The answer is not a well-formed CMDB envelope. `BKCC_EPROTOCOL`
    public static let protocolError = BKCCStatus(rawValue: 5)
    /// CMDB, ESB or gateway answered result:false. `BKCC_EAPI`
    public static let api = BKCCStatus(rawValue: 6)
    /// A batch finished but not every item was created. `BKCC_EPARTIAL`
    public static let partial = BKCCStatus(rawValue: 7)
    /// The progress callback asked to stop. `BKCC_ECANCELLED`
    public static let cancelled = BKCCStatus(rawValue: 8)
    /// Out of memory. `BKCC_ENOMEM`
    public static let noMemory = BKCCStatus(rawValue: 9)

    /// The C constant's name, as a static string (the C ABI hands out its address).
    public var staticName: StaticString {
        switch rawValue {
        case 0: "BKCC_OK"
        case 1: "BKCC_EINVAL"
        case 2: "BKCC_EVALIDATION"
        case 3: "BKCC_ETRANSPORT"
        case 4: "BKCC_EHTTP"
        case 5: "BKCC_EPROTOCOL"
        case 6: "BKCC_EAPI"
        case 7: "BKCC_EPARTIAL"
        case 8: "BKCC_ECANCELLED"
        case 9: "BKCC_ENOMEM"
        default: "BKCC_UNKNOWN"
        }
    }

    /// One sentence that says what the status means, as a static string (`bkcc_status_text`, like
    /// `curl_easy_strerror`).
    public var staticText: StaticString {
        switch rawValue {
        case 0: "Success."
        case 1: "A bad argument or configuration; nothing was sent."
        case 2: "The details failed the client-side checks; nothing was sent."
        case 3: "No HTTP answer came: the server could not be reached, or the connection failed or timed out."
        case 4: "The server answered with an HTTP error status and no CMDB answer."
        case 5: "The answer is not a well-formed CMDB answer, or cannot be trusted."
        case 6: "The CMDB, the ESB or the API gateway answered result:false."
        case 7: "The call finished, but not every item succeeded."
        case 8: "The call was cancelled; what was not sent is skipped."
        case 9: "Out of memory."
        default: "An unknown status."
        }
    }

    public var name: String { staticName.description }
    public var description: String { name }
}
