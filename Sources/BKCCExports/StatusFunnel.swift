import BKCC
import CBKCCHeader
import CJansson

// The one place where errors cross the C boundary: every export runs its body through `withStatus`, which
// fills the caller's bkcc_error on success and failure alike. Nothing throws or traps across @_cdecl.

/// Runs `body`; fills `err` with BKCC_OK on success or with the thrown error. Returns nil on error.
func withStatus<T>(_ err: UnsafeMutablePointer<bkcc_error>?, _ body: () throws(BKCCError) -> T) -> T? {
    do {
        let value = try body()
        fill(err, with: nil)
        return value
    } catch {
        fill(err, with: error)
        return nil
    }
}

/// Writes `error` (nil: success) into the caller's struct, if the caller passed one.
func fill(_ err: UnsafeMutablePointer<bkcc_error>?, with error: BKCCError?) {
    guard let err else { return }
    err.pointee.status = error?.status.rawValue ?? BKCCStatus.ok.rawValue
    err.pointee.api_code = error?.apiCode ?? 0
    err.pointee.http_status = Int32(clamping: error?.httpStatus ?? 0)
    copyCString(error?.requestID ?? "", into: &err.pointee.request_id)
    copyCString(error?.advised ?? "", into: &err.pointee.message)
}

/// Copies `text` into a fixed char array, NUL-terminated, cut on a UTF-8 character boundary.
func copyCString<Field>(_ text: String, into field: inout Field) {
    withUnsafeMutableBytes(of: &field) { buffer in
        guard buffer.count > 0 else { return }
        var bytes = Array(text.utf8.prefix(buffer.count - 1))
        if bytes.count == buffer.count - 1, text.utf8.count > bytes.count {
            // Drop a partial character: continuation bytes are 0b10xxxxxx, and their lead byte goes too.
            while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
            if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
        }
        for (offset, byte) in bytes.enumerated() { buffer[offset] = byte }
        buffer[bytes.count] = 0
    }
}
