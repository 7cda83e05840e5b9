/// An error from bkcc: a status, a message for people, and what the server said about it.
/// Messages never contain a secret.
public struct BKCCError: Error, Sendable, CustomStringConvertible {
    public var status: BKCCStatus
    public var message: String
    /// The CMDB / ESB / gateway code, 0 if none.
    public var apiCode: Int64
    /// The HTTP status of the answer, 0 if there was none.
    public var httpStatus: Int
    /// The server's request id of the failing call, "" if none.
    public var requestID: String
    /// The server's `permission` object (code 9900403), handed back untouched.
    public var permission: JSON?
    /// What a person can do about it, as a value: a front end (the CLI) words its own advice from it, never by
    /// matching the message.
    public var hint: Hint?

    /// Remedies a front end may offer in its own terms.
    public enum Hint: String, Sendable, Equatable {
        /// The server's TLS certificate was refused: configure `ca_file`, or turn `verify_tls` off.
        case tlsCertificate = "tls_certificate"
        /// The items' fate is unknown: look them up (reconcile) before sending them again.
        case lookUp = "look_up"
        /// The server knows no such model (no attributes): check the model id.
        case unknownModel = "unknown_model"

        /// The advice in the library's terms (its configuration keys), for C and Python callers.
        public var advice: String? {
            switch self {
            case .tlsCertificate: "set ca_file to the CA that signed it, or verify_tls: false to skip the check (insecure)"
            case .lookUp, .unknownModel: nil
            }
        }
    }

    /// The message with the hint's advice in the library's terms: what a C or Python caller reads.
    public var advised: String {
        guard let advice = hint?.advice else { return message }
        return "\(message); \(advice)"
    }

    public init(_ status: BKCCStatus, _ message: String, apiCode: Int64 = 0, httpStatus: Int = 0,
                requestID: String = "", permission: JSON? = nil, hint: Hint? = nil) {
        self.status = status
        self.message = message
        self.apiCode = apiCode
        self.httpStatus = httpStatus
        self.requestID = requestID
        self.permission = permission
        self.hint = hint
    }

    public var description: String { "\(status.name): \(advised)" }

    static func invalid(_ message: String) -> BKCCError { BKCCError(.invalidArgument, message) }
}
