#if canImport(Glibc)
import Glibc
#endif
import CExpat

/// An expat parser fed from a zip entry, a chunk at a time into expat's own buffer: a part of a workbook is never
/// held whole. Element and attribute names reach the handlers as local names (namespaces processed, so `x:c`
/// and `c` are alike). A handler may `suspend()` the parse (the worksheet reader does after each row) and the
/// next `step()` resumes it where it stopped. A document type declaration is refused (no workbook has one; it
/// is how entity expansion attacks begin).
final class XMLStream {
    typealias Attributes = UnsafeMutablePointer<UnsafePointer<XML_Char>?>?

    static let chunkSize = 64 * 1024

    private let parser: XML_Parser
    private let entry: ZipEntry
    private let name: String
    var onStart: (UnsafePointer<CChar>, Attributes) -> Void = { _, _ in }
    var onEnd: (UnsafePointer<CChar>) -> Void = { _ in }
    var onText: (UnsafeRawBufferPointer) -> Void = { _ in }
    /// Set by a handler that found the content wrong: the parse stops and `step()` throws it.
    private var failure: InputError?
    private var suspended = false
    private(set) var finished = false

    init(entry: ZipEntry, name: String) throws(InputError) {
        self.entry = entry
        self.name = name
        guard let parser = XML_ParserCreateNS(nil, 0x7C /* | */) else { throw InputError(path: name, "out of memory for the XML parser") }
        self.parser = parser
        XML_SetUserData(parser, Unmanaged.passUnretained(self).toOpaque())
        XML_SetElementHandler(parser, { user, name, attributes in
            let stream = Unmanaged<XMLStream>.fromOpaque(user!).takeUnretainedValue()
            stream.onStart(XMLStream.localName(name!), attributes)
        }, { user, name in
            let stream = Unmanaged<XMLStream>.fromOpaque(user!).takeUnretainedValue()
            stream.onEnd(XMLStream.localName(name!))
        })
        XML_SetCharacterDataHandler(parser) { user, text, count in
            let stream = Unmanaged<XMLStream>.fromOpaque(user!).takeUnretainedValue()
            stream.onText(UnsafeRawBufferPointer(start: text, count: Int(count)))
        }
        XML_SetStartDoctypeDeclHandler(parser) { user, _, _, _, _ in
            let stream = Unmanaged<XMLStream>.fromOpaque(user!).takeUnretainedValue()
            stream.fail("a document type declaration, which no workbook part has")
        }
    }

    deinit { XML_ParserFree(parser) }

    /// The part after the namespace separator: `…/main|row` → `row`.
    static func localName(_ name: UnsafePointer<CChar>) -> UnsafePointer<CChar> {
        guard let bar = strrchr(name, 0x7C) else { return name }
        return UnsafePointer(bar + 1)
    }

    /// The value of the attribute with this local name.
    static func attribute(_ attributes: Attributes, _ wanted: StaticString) -> UnsafePointer<CChar>? {
        guard let attributes else { return nil }
        var index = 0
        while let key = attributes[index] {
            if strcmp(localName(key), UnsafeRawPointer(wanted.utf8Start).assumingMemoryBound(to: CChar.self)) == 0 {
                return attributes[index + 1]
            }
            index += 2
        }
        return nil
    }

    static func attributeString(_ attributes: Attributes, _ wanted: StaticString) -> String? {
        attribute(attributes, wanted).map { String(cString: $0) }
    }

    /// Whether a local name is `literal`.
    @inline(__always)
    static func `is`(_ name: UnsafePointer<CChar>, _ literal: StaticString) -> Bool {
        strcmp(name, UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }

    /// The line expat is on, for messages about a part.
    var line: Int { Int(XML_GetCurrentLineNumber(parser)) }

    /// Stops the parse for good; the next `step()` throws `reason` about this part.
    func fail(_ reason: String) {
        fail(InputError(path: name, "the workbook's \(entry.path), line \(line): \(reason)"))
    }

    func fail(_ error: InputError) {
        if failure == nil { failure = error }
        XML_StopParser(parser, XML_FALSE)
    }

    /// Pauses after the current event: `step()` returns and the next `step()` goes on from here.
    func suspend() {
        XML_StopParser(parser, XML_TRUE)
    }

    /// Parses until a handler suspends, or the next chunk is parsed; false once the document has ended.
    func step() throws(InputError) -> Bool {
        if finished { return false }
        let status: XML_Status
        var final = false
        if suspended {
            suspended = false
            status = XML_ResumeParser(parser)
        } else {
            guard let buffer = XML_GetBuffer(parser, Int32(XMLStream.chunkSize)) else {
                throw InputError(path: name, "out of memory for the XML parser")
            }
            let count = try entry.read(into: buffer, count: XMLStream.chunkSize)
            final = count == 0
            status = XML_ParseBuffer(parser, Int32(count), final ? 1 : 0)
        }
        if let failure { throw failure }
        switch status {
        case XML_STATUS_SUSPENDED:
            suspended = true
        case XML_STATUS_OK:
            var parsing = XML_ParsingStatus()
            XML_GetParsingStatus(parser, &parsing)
            if final || parsing.parsing == XML_FINISHED { finished = true }
        default:
            let reason = XML_ErrorString(XML_GetErrorCode(parser)).map { String(cString: $0) } ?? "not well-formed"
            throw InputError(path: name, "the workbook's \(entry.path) is not well-formed XML (line \(line), column \(XML_GetCurrentColumnNumber(parser) + 1)): \(reason)")
        }
        return !finished
    }

    /// Parses the whole part (a small one: workbook, relationships, styles, shared strings).
    func run() throws(InputError) {
        while try step() {}
    }
}
