@testable import BKCC
import Testing

@Suite struct TrivialBufferTests {
    /// Values appended past the first capacity, many times over, are all there in order; emptied, it is empty and
    /// takes values again.
    @Test func appendsGrowAndEmptyingKeepsNothing() {
        var buffer = TrivialBuffer<Int>(capacity: 1)
        defer { buffer.deallocate() }
        for value in 0..<1000 { buffer.append(value * 3) }
        #expect(buffer.count == 1000)
        #expect(Array(buffer.elements) == (0..<1000).map { $0 * 3 })
        buffer.removeAll()
        #expect(buffer.count == 0 && buffer.elements.isEmpty)
        buffer.append(7)
        #expect(Array(buffer.elements) == [7])
    }
}
