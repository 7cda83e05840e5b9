/// A configured connection to one CMDB: what every call needs to build, send and read requests.
/// Immutable and safe to share between threads and tasks.
public final class Client: Sendable {
    public let configuration: Configuration
    public let builder: RequestBuilder

    /// Checks the configuration (`.invalidArgument` naming the key on a problem).
    public init(configuration: Configuration) throws(BKCCError) {
        try configuration.validate()
        self.configuration = configuration
        self.builder = RequestBuilder(configuration: configuration)
    }
}
