#if canImport(Glibc)
import Glibc
#endif
import CJansson

/// The one place where secrets are taken out of text that came from a server or a callback: every configured
/// secret value (`app_secret`, `token`, `access_token`, and the whole `X-Bkapi-Authorization` value, as sent and as
/// a server would quote it inside JSON) is replaced by `***` before the text reaches an error, a result, a progress
/// event, a report or a terminal. The engine applies it to every answer (`BatchEngine`).
public struct Redactor: Sendable {
    /// Shorter values are not masked.
    public static let minimumLength = 4
    /// Byte strings to replace, longest first (so that the authorization header goes before the secret inside it).
    private let secrets: [[UInt8]]

    public init(configuration: Configuration) {
        var values = [configuration.appSecret, configuration.token ?? "", configuration.accessToken ?? ""]
        if let header = try? RequestBuilder(configuration: configuration).authorizationHeader() { values.append(header) }
        // As a server quotes them in JSON text: quotes and backslashes escaped.
        values += values.map { $0.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") }
        // A value of under 4 bytes is no secret anyone can keep (and masking every "s" would leave no message).
        secrets = Set(values.filter { $0.utf8.count >= Redactor.minimumLength }).map { Array($0.utf8) }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by `***`.
    public func callAsFunction(_ text: String) -> String {
        guard !secrets.isEmpty, !text.isEmpty else { return text }
        // Nearly always nothing to mask: look first without copying the text.
        var copy = text
        let clean = copy.withUTF8 { bytes in
            secrets.allSatisfy { secret in
                secret.withUnsafeBytes { needle in
                    memmem(bytes.baseAddress, bytes.count, needle.baseAddress, needle.count) == nil
                }
            }
        }
        if clean { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for secret in secrets where replace(secret, in: &bytes) { changed = true }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    public func callAsFunction(_ error: BKCCError) -> BKCCError {
        var error = error
        error.message = self(error.message)
        error.requestID = self(error.requestID)
        if let permission = error.permission { error.permission = self(permission) }
        return error
    }

    public func callAsFunction(_ envelope: Envelope) -> Envelope {
        var envelope = envelope
        envelope.message = self(envelope.message)
        envelope.requestID = self(envelope.requestID)
        if let permission = envelope.permission { envelope.permission = self(permission) }
        return envelope
    }

    public func callAsFunction(_ outcome: ItemOutcome) -> ItemOutcome {
        var outcome = outcome
        outcome.message = self(outcome.message)
        return outcome
    }

    /// A server's JSON object (a `permission`), with its strings redacted in place; walked iteratively.
    public func callAsFunction(_ value: JSON) -> JSON {
        guard !secrets.isEmpty else { return value }
        var stack: [UnsafeMutablePointer<json_t>] = [value.raw]
        while let node = stack.popLast() {
            switch json_type(UInt32(bkcc_json_typeof(node))) {
            case JSON_STRING:
                let text = JSON(borrowing: node).string ?? ""
                let clean = self(text)
                if clean != text { _ = json_string_set(node, clean) }
            case JSON_ARRAY:
                for index in 0..<json_array_size(node) { if let child = json_array_get(node, index) { stack.append(child) } }
            case JSON_OBJECT:
                var iterator = json_object_iter(node)
                while let current = iterator {
                    if let child = json_object_iter_value(current) { stack.append(child) }
                    iterator = json_object_iter_next(node, current)
                }
            default:
                continue
            }
        }
        return value
    }

    /// Replaces every occurrence of `secret` in `bytes` (memmem: the search is most of the work); true when any.
    private func replace(_ secret: [UInt8], in bytes: inout [UInt8]) -> Bool {
        let mask = Array("***".utf8)
        var result: [UInt8] = []
        var start = 0
        var found = false
        while start <= bytes.count - secret.count {
            let offset = bytes.withUnsafeBytes { haystack in
                secret.withUnsafeBytes { needle -> Int? in
                    guard let base = haystack.baseAddress, let match = memmem(base + start, haystack.count - start,
                                                                             needle.baseAddress, needle.count) else { return nil }
                    return base.distance(to: UnsafeRawPointer(match))
                }
            }
            guard let offset else { break }
            found = true
            result.append(contentsOf: bytes[start..<offset])
            result.append(contentsOf: mask)
            start = offset + secret.count
        }
        guard found else { return false }
        result.append(contentsOf: bytes[start...])
        bytes = result
        return true
    }
}
