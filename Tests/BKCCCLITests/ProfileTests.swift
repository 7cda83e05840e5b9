#if canImport(Glibc)
import Glibc
#endif
import BKCC
@testable import BKCCCLI
import BKCCTestSupport
import Testing

/// Config profiles: `{"profiles": {NAME: {…}}, "default_profile": NAME}`, chosen by `--profile`, else
/// `BKCC_PROFILE`, else `default_profile`; a profile's keys win over the file's top level, and lose to the
/// environment and the flags.
@Suite struct ProfileTests {
    static let file = #"""
        {"app_code": "ops", "app_secret": "file-secret", "username": "admin", "concurrency": 2,
         "profiles": {"prod": {"url": "https://paas.example.com", "concurrency": 8},
                      "test": {"url": "http://127.0.0.1:8000", "app_secret": "test-secret"}},
         "default_profile": "test"}
        """#

    @Test func testDefaultProfile_WinsOverTheTopLevel() throws {
        let path = temporaryFile(ProfileTests.file)
        defer { unlink(path) }
        let settings = try Settings.resolve(flags: [], environment: [:], configPath: path)
        #expect(settings["url"]?.value.string == "http://127.0.0.1:8000")
        #expect(settings["url"]?.source == .profile(path: path, name: "test"))
        #expect(settings["app_secret"]?.source == .profile(path: path, name: "test"))
        #expect(settings["app_code"]?.source == .file(path))
        #expect(settings["concurrency"]?.value.integer == 2)
        #expect(settings.profile?.name == "test" && settings.profile?.chosenBy == "default_profile")
        #expect(settings.profileNames == ["prod", "test"])
        #expect(try settings.configuration().appSecret == "test-secret")
    }

    @Test func testProfileFlag_BeatsEnvironment_BeatsDefault() throws {
        let path = temporaryFile(ProfileTests.file)
        defer { unlink(path) }
        let fromEnv = try Settings.resolve(flags: [], environment: ["BKCC_PROFILE": "prod"], configPath: path)
        #expect(fromEnv["url"]?.value.string == "https://paas.example.com")
        #expect(fromEnv["concurrency"]?.value.integer == 8)
        #expect(fromEnv.profile?.chosenBy == "BKCC_PROFILE")
        let fromFlag = try Settings.resolve(flags: [], environment: ["BKCC_PROFILE": "prod"], configPath: path, profile: "test")
        #expect(fromFlag["url"]?.value.string == "http://127.0.0.1:8000" && fromFlag.profile?.chosenBy == "--profile")
    }

    @Test func testEnvironmentAndFlags_BeatTheProfile() throws {
        let path = temporaryFile(ProfileTests.file)
        defer { unlink(path) }
        let settings = try Settings.resolve(flags: [("concurrency", try .integer(3), "--concurrency")],
                                            environment: ["BK_COMPONENT_API_URL": "http://env"], configPath: path, profile: "prod")
        #expect(settings["url"]?.source == .environment("BK_COMPONENT_API_URL"))
        #expect(settings["concurrency"]?.value.integer == 3)
    }

    @Test func testShow_NamesTheProfile_AndMasksItsSecrets() throws {
        let path = temporaryFile(ProfileTests.file)
        defer { unlink(path) }
        let settings = try Settings.resolve(flags: [], environment: [:], configPath: path)
        let text = settings.showText()
        #expect(text.contains("(config \(path) profile test)"))
        #expect(text.contains("profile: test (default_profile; profiles: prod, test)\n"))
        #expect(!text.contains("test-secret") && !text.contains("file-secret"))
        let json = try settings.showJSON()
        #expect(json["profile"]?.string == "test" && json["profiles"]?.count == 2)
        #expect(!JSONText.serialize(json).contains("test-secret"))
    }

    @Test func testProblems_AreNamed() throws {
        let path = temporaryFile(ProfileTests.file)
        defer { unlink(path) }
        let unknown = thrown { () throws(BKCCError) in try Settings.resolve(flags: [], environment: [:], configPath: path, profile: "staging") }
        #expect(unknown?.message == "\(path): no profile \"staging\" (--profile); profiles: prod, test")
        let noFile = thrown { () throws(BKCCError) in
            try Settings.resolve(flags: [], environment: ["HOME": "/nonexistent", "BKCC_PROFILE": "prod"], configPath: nil)
        }
        #expect(noFile?.message.hasPrefix("profile \"prod\" (BKCC_PROFILE) needs a config file") == true)
        for (bad, message) in [
            (#"{"profiles": {"p": {"timout_ms": 1}}, "default_profile": "p"}"#, "profile p: unknown key \"timout_ms\""),
            (#"{"profiles": []}"#, "\"profiles\" must be an object"),
            (#"{"profiles": {"p": 1}}"#, "profile \"p\" must be an object"),
            (#"{"default_profile": 1}"#, "\"default_profile\" must be the name of a profile"),
            (#"{"default_profile": "p"}"#, "no profile \"p\" (default_profile); the file defines none"),
        ] {
            let file = temporaryFile(bad)
            defer { unlink(file) }
            let error = thrown { () throws(BKCCError) in try Settings.resolve(flags: [], environment: [:], configPath: file) }
            #expect(error?.message.contains(message) == true, "\(bad): \(error?.message ?? "no error")")
        }
    }
}
