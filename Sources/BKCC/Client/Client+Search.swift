extension Client {
    /// Streams every instance of `objectID` that matches `query`, ordered by `bk_inst_id`, a page at a time
    /// (`SearchOperation`: paged by the last id seen, so each instance that exists throughout is seen exactly once;
    /// memory bounded by a page). `receive` gets each page's instances; returning false stops. Pages lost to a
    /// timeout or a rate limit are asked again (a read).
    ///
    /// - Returns: `.ok` when every page was read, `.cancelled` when `receive` stopped it, else the error.
    ///
    /// C twin: `bkcc_search_inst`.
    public func searchInstances(objectID: String, query: SearchQuery = SearchQuery(), transport: (any Transport)? = nil,
                                receive: @escaping ([JSON]) -> Bool) -> BKCCError? {
        do throws(BKCCError) {
            try Validation.checkObjectID(objectID)
            guard (1...BatchLimits.maxInstancePage).contains(query.pageSize) else {
                throw .invalid("query.page_size: must be 1..\(BatchLimits.maxInstancePage)")
            }
            let cursor = SearchOperation.Cursor(query: query, receive: receive)
            let tally = try run(SearchOperation(cursor: cursor), objectID: objectID, transport: transport,
                                next: { () throws(BKCCError) -> SourceItem? in try cursor.nextPage() },
                                onRequest: { record, _ in
                                    // A page that could not be read ends the search: the next one depends on it.
                                    if record.items.contains(where: { !$0.kind.succeeded }) { cursor.end() }
                                    return !cursor.stoppedByReceiver
                                })
            if cursor.stoppedByReceiver { return BKCCError(.cancelled, "the page callback stopped the search") }
            return tally.status == .ok ? nil : (tally.cause ?? tally.error)
        } catch {
            return error
        }
    }
}
