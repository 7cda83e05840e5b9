import BKCC
import CJansson
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("bkcc_version")
public func bkcc_version() -> UnsafePointer<CChar>? {
    UnsafeRawPointer(BKCCVersion.staticString.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("bkcc_status_name")
public func bkcc_status_name(_ status: Int32) -> UnsafePointer<CChar>? {
    UnsafeRawPointer(BKCCStatus(rawValue: status).staticName.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("bkcc_status_text")
public func bkcc_status_text(_ status: Int32) -> UnsafePointer<CChar>? {
    UnsafeRawPointer(BKCCStatus(rawValue: status).staticText.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The configuration table as JSON text, made once and kept for the life of the process (a static string to C).
nonisolated(unsafe) private let configSchema: UnsafeMutablePointer<CChar>? = strdup(ConfigurationKey.schemaJSON)

@_cdecl("bkcc_config_schema")
public func bkcc_config_schema() -> UnsafePointer<CChar>? {
    UnsafePointer(configSchema)
}

@_cdecl("bkcc_free")
public func bkcc_free(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}

@_cdecl("bkcc_json_decref")
public func bkcc_json_decref(_ json: UnsafeMutablePointer<json_t>?) {
    guard let json else { return }
    json_decref(json)
}
