import BKCC
import Testing

/// Model patterns (Go's RE2 syntax) matched through glibc's POSIX regex: the same yes or no, never a hang.
@Suite struct GoPatternTests {
    static let ip = #"^((25[0-5]|2[0-4]\d|1\d{2}|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d{2}|[1-9]?\d)$"#
    static let cmdbIPList = #"^((1?\d{1,2}|2[0-4]\d|25[0-5])[.]){3}(1?\d{1,2}|2[0-4]\d|25[0-5])(,((1?\d{1,2}|2[0-4]\d|25[0-5])[.]){3}(1?\d{1,2}|2[0-4]\d|25[0-5]))*$"#

    @Test func theCMDBsPatternsMatchAsGoMatchesThem() throws {
        let ip = try #require(GoPattern(GoPatternTests.ip))
        #expect(ip.says("10.0.0.1") && ip.says("255.255.255.255"))
        #expect(!ip.says("10.0.0.256") && !ip.says("10.0.0") && !ip.says(" 10.0.0.1"))
        let list = try #require(GoPattern(GoPatternTests.cmdbIPList))
        #expect(list.says("10.0.0.1,192.168.1.1") && !list.says("10.0.0.1,"))
        // Unanchored: somewhere in the text, as Go's MatchString.
        #expect(try #require(GoPattern(#"\d{3}"#)).says("ab123"))
        // A character is a character (Go matches runes), and classes stay ASCII.
        let two = try #require(GoPattern("^.{2}$"))
        #expect(two.says("机柜") && !two.says("机柜A"))
        #expect(!(try #require(GoPattern(#"^\d+$"#))).says("١٢٣"))
        #expect(try #require(GoPattern(#"^[\w.-]+@(?:[a-z]+\.)+[a-z]{2,}?$"#)).says("ops.team@example.com"))
        #expect(try #require(GoPattern(#"^[^\s,]+$"#)).says("no-spaces") == true)
    }

    /// Go matches the whole string, NUL bytes included; regexec cannot (it stops at the first, or will not match
    /// it with `.`): such text is left to the server, never judged on its first part.
    @Test func textWithANULByteIsLeftToTheServer() throws {
        let ip = try #require(GoPattern(GoPatternTests.ip))
        #expect(ip.matches("10.0.0.1\u{0}x") == nil)
        #expect(try #require(GoPattern("^a.b$")).matches("a\u{0}b") == nil)
        #expect(ip.matches("10.0.0.1") == true)
        #expect(ip.matches("") == false)
    }

    @Test func whatPOSIXCannotSayIsLeftToTheServer() {
        for pattern in [#"\bword\b"#, "(?i)abc", "(?=x)", "(?P<n>x)", #"(a)\1"#, #"[\]]"#, #"\p{Han}"#, "[abc",
                        String(repeating: "a", count: 2000), "^(a+(+$", "a++", ";+++++", "a*?*",
                        "(a{1000}){1000}", "a{1001}", "(a{200}){100}"] {
            #expect(GoPattern(pattern) == nil, "\(pattern)")
        }
    }

    @Test func bracesThatAreNoRepetitionAreLiteralAsInRE2() throws {
        #expect(try #require(GoPattern("^x{abc}$")).says("x{abc}"))
        #expect(try #require(GoPattern("^a{,5}$")).says("a{,5}"))
        #expect(try #require(GoPattern("^a{2,3}?$")).says("aaa"))
        #expect(try #require(GoPattern("^a{2,}$")).says("aaaa"))
    }

    @Test func aHostilePatternDoesNotHang() throws {
        // Exponential for a backtracking matcher; glibc's state sets answer at once.
        let evil = try #require(GoPattern("^(a+)+$"))
        #expect(!evil.says(String(repeating: "a", count: 2000) + "!"))
        let nested = try #require(GoPattern("^((a|aa)*)*b$"))
        #expect(!nested.says(String(repeating: "a", count: 256)))
    }
}

extension GoPattern {
    /// `matches` for text without a NUL byte (which it always judges).
    func says(_ text: String) -> Bool { matches(text) ?? false }
}
