import Synchronization

/// A configured connection to one CMDB: what every call needs to build, send and read requests.
/// Safe to share between threads and tasks: each batch call runs its own transfers, and the libcurl transports
/// (with their kept-alive connections) are pooled between calls.
public final class Client: Sendable {
    public let configuration: Configuration
    public let builder: RequestBuilder
    /// Takes this client's secrets out of every text that comes back.
    public let redactor: Redactor
    /// Idle libcurl transports, so that a second call reuses the first one's connections.
    let curlPool = Mutex<[CurlTransport]>([])
    /// Models read from the server (`getModel`), by model id: read once per client.
    let modelCache = Mutex<[String: Model]>([:])
    /// Where each request is logged (`RequestLog.swift`); nil: nowhere.
    let requestLog = Mutex<RequestLog?>(nil)

    /// Checks the configuration (`.invalidArgument` naming the key on a problem).
    public init(configuration: Configuration) throws(BKCCError) {
        try configuration.validate()
        self.configuration = configuration
        self.builder = RequestBuilder(configuration: configuration)
        self.redactor = Redactor(configuration: configuration)
    }
}
