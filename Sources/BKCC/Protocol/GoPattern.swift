#if canImport(Glibc)
import Glibc
#endif

/// A model attribute's pattern (Go's regexp syntax, RE2: the CMDB matches with `regexp.MatchString`), matched
/// through glibc's POSIX regex. Why not Swift's `Regex`: it backtracks, so a hostile pattern from a server or a
/// caller (`(a+)+$` against 256 bytes) would hang the host, while RE2 is linear; glibc's matcher for patterns
/// without back-references works on state sets and does not explode. The pattern is translated to a POSIX
/// extended expression (`\d` → `[0-9]`, `(?:` → `(`, lazy quantifiers as greedy — the same yes or no); what has no
/// POSIX equivalent (look-around, `\b`, flags, back-references, escapes inside brackets other than the classes) is
/// not checked: `init` returns nil and the server alone decides.
public final class GoPattern: @unchecked Sendable {
    private var compiled = regex_t()
    /// regcomp succeeded: only then is there anything for regfree.
    private var ready = false
    /// UTF-8 matching (Go matches runes): the pattern's `.` is a character, not a byte.
    private let locale: locale_t
    public let source: String

    /// The longest pattern translated: anything longer is left to the server.
    static let maxPatternBytes = 1024

    public init?(_ pattern: String) {
        guard pattern.utf8.count <= GoPattern.maxPatternBytes, let translated = GoPattern.posix(pattern),
              let locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return nil }
        self.locale = locale
        source = pattern
        let previous = uselocale(locale)
        defer { uselocale(previous) }
        // On failure deinit runs (every property is set): it frees the locale, and nothing else.
        guard regcomp(&compiled, translated, REG_EXTENDED | REG_NOSUB) == 0 else { return nil }
        ready = true
    }

    deinit {
        if ready { regfree(&compiled) }
        freelocale(locale)
    }

    /// Whether the pattern matches somewhere in `text` (Go's MatchString); nil for text with a NUL byte, which
    /// POSIX cannot judge as Go does (regexec stops at it, or with REG_STARTEND `.` will not match it): the
    /// server decides.
    public func matches(_ text: String) -> Bool? {
        var text = text
        return text.withUTF8 { matches(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// The same for UTF-8 bytes (no String made). Only `text` is read (REG_STARTEND), but a NUL must follow it
    /// somewhere in its buffer, as after jansson's strings, Swift's and `FlatObject`'s members: the sanitizers'
    /// regexec interceptor reads up to it.
    public func matches(utf8 text: UnsafeRawBufferPointer) -> Bool? {
        guard let base = text.baseAddress?.assumingMemoryBound(to: CChar.self) else { return matches(utf8: emptyText) }
        guard !text.contains(0) else { return nil }
        let previous = uselocale(locale)
        defer { uselocale(previous) }
        var bounds = regmatch_t(rm_so: 0, rm_eo: regoff_t(text.count))
        return regexec(&compiled, base, 1, &bounds, REG_STARTEND) == 0
    }

    private var emptyText: UnsafeRawBufferPointer {
        let empty: StaticString = ""
        return UnsafeRawBufferPointer(start: empty.utf8Start, count: 0)
    }

    /// The most a counted repetition may say (RE2's own limit), and the most all of a pattern's counts may multiply
    /// to: glibc's regcomp copies a repeated expression once per count, so `(a{1000}){1000}` would take gigabytes.
    static let maxRepeat = 1000
    static let maxRepeatProduct = 10_000

    /// The POSIX ERE of a Go pattern, or nil when it uses what POSIX cannot say — or what RE2 itself refuses and
    /// glibc would expand without bound: a quantifier on a quantifier (`a++`), counts over 1000.
    static func posix(_ pattern: String) -> String? {
        let chars = Array(pattern.unicodeScalars)
        var out = ""
        var i = 0
        var inBracket = false
        var afterQuantifier = false
        var repeatProduct = 1
        while i < chars.count {
            let c = chars[i]
            if inBracket {
                switch c {
                case "]":
                    inBracket = false
                    out.unicodeScalars.append(c)
                case "\\":
                    guard i + 1 < chars.count else { return nil }
                    i += 1
                    switch chars[i] {
                    case "d": out += "0-9"
                    case "s": out += "[:space:]"
                    case "w": out += "[:alnum:]_"
                    case ".", "+", "*", "?", "(", ")", "{", "}", "|", "$", "/", ",", ":": out.unicodeScalars.append(chars[i])
                    default: return nil  // \] \\ \- \D … have no place inside a POSIX bracket
                    }
                case "[":
                    // A POSIX class ([:alpha:]) is the same in both; any other [ inside is literal.
                    if i + 1 < chars.count, chars[i + 1] == ":" {
                        guard let close = (i + 2..<chars.count).first(where: { chars[$0] == ":" && $0 + 1 < chars.count && chars[$0 + 1] == "]" }) else { return nil }
                        out += String(String.UnicodeScalarView(chars[i...(close + 1)]))
                        i = close + 1
                    } else {
                        out.unicodeScalars.append(c)
                    }
                default:
                    out.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            let quantifier = c == "*" || c == "+" || c == "?" || (c == "{" && GoPattern.count(chars, at: i) != nil)
            if quantifier && afterQuantifier { return nil }  // RE2: "invalid nested repetition operator"
            afterQuantifier = false
            switch c {
            case "\\":
                guard i + 1 < chars.count else { return nil }
                i += 1
                switch chars[i] {
                case "d": out += "[0-9]"
                case "D": out += "[^0-9]"
                case "s": out += "[[:space:]]"
                case "S": out += "[^[:space:]]"
                case "w": out += "[[:alnum:]_]"
                case "W": out += "[^[:alnum:]_]"
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case ".", "\\", "(", ")", "[", "]", "{", "}", "*", "+", "?", "|", "^", "$":
                    out += "\\"
                    out.unicodeScalars.append(chars[i])
                case "/", "-", ",", ":", "#", "@", "!", "&", "~", "'", "\"", "=", "<", ">", "%", "_":
                    out.unicodeScalars.append(chars[i])
                default:
                    return nil  // \b \B \A \z \p{…} \x… back-references …
                }
            case "[":
                inBracket = true
                out += "["
                // A leading ^ and a leading ] stay as they are.
                if i + 1 < chars.count, chars[i + 1] == "^" { out += "^"; i += 1 }
                if i + 1 < chars.count, chars[i + 1] == "]" { out += "]"; i += 1 }
            case "(":
                if i + 1 < chars.count, chars[i + 1] == "?" {
                    guard i + 2 < chars.count, chars[i + 2] == ":" else { return nil }  // flags, names, look-around
                    i += 2
                }
                out += "("
            case "*", "+", "?":
                out.unicodeScalars.append(c)
                // A lazy quantifier (x*?) matches where the greedy one does: for a yes or no, drop the '?'.
                if i + 1 < chars.count, chars[i + 1] == "?" { i += 1 }
                afterQuantifier = true
            case "{":
                guard let (count, end) = GoPattern.count(chars, at: i) else {
                    out += "\\{"  // not a repetition: RE2 takes the brace as itself
                    break
                }
                guard count <= GoPattern.maxRepeat else { return nil }
                repeatProduct *= max(1, count)
                guard repeatProduct <= GoPattern.maxRepeatProduct else { return nil }
                out += String(String.UnicodeScalarView(chars[i...end]))
                i = end
                if i + 1 < chars.count, chars[i + 1] == "?" { i += 1 }
                afterQuantifier = true
            case "}":
                out += "\\}"
            default:
                out.unicodeScalars.append(c)
            }
            i += 1
        }
        return inBracket ? nil : out
    }

    /// A counted repetition at `start` (`{n}`, `{n,}`, `{n,m}`): its largest count and the index of its `}`.
    static func count(_ chars: [Unicode.Scalar], at start: Int) -> (Int, Int)? {
        var i = start + 1
        var numbers: [Int] = [0]
        var digits = 0
        while i < chars.count, chars[i] != "}" {
            let c = chars[i]
            if c == ",", numbers.count == 1, digits > 0 {
                numbers.append(0)
                digits = -1  // the second number may be empty
            } else if let digit = c.properties.numericType != nil && c.isASCII ? Int(String(c)) : nil {
                numbers[numbers.count - 1] = min(numbers[numbers.count - 1] * 10 + digit, 1_000_000)
                digits = max(digits, 0) + 1
            } else {
                return nil
            }
            i += 1
        }
        guard i < chars.count, numbers.count == 2 || digits > 0 else { return nil }
        return (numbers.max() ?? 0, i)
    }
}
