import BKCC
import Testing

@Suite struct ConfigurationTests {
    let minimal = #"{"url": "http://cmdb.local", "app_code": "app", "app_secret": "S3CRET", "username": "admin"}"#

    @Test func defaults() throws {
        let config = try Configuration(json: json(minimal))
        #expect(config.api == .esb)
        #expect(config.auth == .body)
        #expect(config.stage == "prod")
        #expect(config.timeoutMs == 60_000)
        #expect(config.connectTimeoutMs == 10_000)
        #expect(config.verifyTLS)
        #expect(config.concurrency == 4)
        #expect(config.retries == 3)
        #expect(config.maxRequestsPerSecond == 0)
    }

    @Test func gatewayDefaultsToHeaderCredentials() throws {
        let config = try Configuration(json: json(#"{"url": "https://gw", "api": "apigw", "app_code": "a", "app_secret": "s", "access_token": "t"}"#))
        #expect(config.auth == .header)
        let bodyAuth = thrown { () throws(BKCCError) in
            try Configuration(json: json(#"{"url": "https://gw", "api": "apigw", "auth": "body", "app_code": "a", "app_secret": "s", "username": "u"}"#))
        }
        #expect(bodyAuth?.message.contains("header only") == true)
    }

    @Test(arguments: [
        (#"{"timeout": 5}"#, "unknown key \"timeout\" (did you mean \"timeout_ms\"?)"),
        (#"{"url": 5}"#, "config.url: must be a string, got integer"),
        (#"{"api": "rest"}"#, "config.api: must be \"esb\" or \"apigw\""),
        (#"{"concurrency": 65}"#, "config.concurrency: must be 1..64"),
        (#"{"concurrency": "8"}"#, "config.concurrency: must be an integer, got string"),
        (#"{"retries": -1}"#, "config.retries: must be 0..10"),
        (#"{"verify_tls": 1}"#, "config.verify_tls: must be true or false, got integer"),
        (#"{"language": "fr"}"#, "config.language: must be \"en\" or \"zh-cn\""),
        (#"{"headers": {"Bad Name": "x"}}"#, "is not a valid header name"),
        (#"{"headers": {"Content-Type": "text/plain"}}"#, "is set by bkcc"),
        (#"{"url": "http://a b"}"#, "config.url: must not contain spaces"),
        (#"{"username": null}"#, "the ESB needs a user"),
        (#"{"access_token": "x"}"#, "config.access_token: only for api \"apigw\""),
        (#"{"app_secret": ""}"#, "config.app_secret: required"),
    ])
    func invalidKeysAreNamed(change: String, message: String) throws {
        let config = json(minimal)
        for (key, value) in json(change).entries { try config.set(key, value) }
        let failure = thrown { () throws(BKCCError) in try Configuration(json: config) }
        #expect(failure?.status == .invalidArgument)
        #expect(failure?.message.contains(message) == true, "\(failure?.message ?? "")")
        #expect(failure?.message.contains("S3CRET") == false)
    }
}
