/// A growable run of values that hold no reference, in memory of its own: appended to and emptied again and again
/// (a row's members, a record's field ends) with no Array's uniqueness checks, `removeAll` or retains — which, on
/// a class's stored Array appended to a member at a time, were ~600 instructions a row. Its owner frees it
/// (`deallocate`, in its deinit); a copy is a view of the same memory, not a copy of the values. Inlinable: the
/// CLI's readers use it too, and an unspecialized generic call an append was ~100 instructions.
public struct TrivialBuffer<Element: BitwiseCopyable> {
    @usableFromInline var base: UnsafeMutablePointer<Element>
    @usableFromInline var storedCount = 0
    @usableFromInline var capacity: Int

    @inlinable
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    @inlinable
    public var count: Int { storedCount }

    /// The values, valid until the next change.
    @inlinable
    public var elements: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: storedCount) }

    @inlinable @inline(__always)
    public mutating func append(_ value: Element) {
        if storedCount == capacity { grow() }
        (base + storedCount).initialize(to: value)
        storedCount += 1
    }

    @usableFromInline
    mutating func grow() {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: 2 * capacity)
        grown.update(from: base, count: storedCount)
        base.deallocate()
        base = grown
        capacity *= 2
    }

    /// Empties it, keeping its memory.
    @inlinable
    public mutating func removeAll() { storedCount = 0 }

    @inlinable
    public func deallocate() { base.deallocate() }
}
