/// The validated header of a safetensors file.
///
/// The format (huggingface/safetensors): an 8-byte little-endian unsigned header length `N`;
/// `N` bytes of UTF-8 JSON, an object mapping each tensor name to
/// `{"dtype": "F32", "shape": [rows, columns], "data_offsets": [begin, end]}` plus an optional
/// `"__metadata__"` object of string values; then the data, each tensor's elements row-major and
/// little-endian at `[begin, end)` counted from the end of the header. The tensors must tile the
/// data exactly: in offset order each begins where the previous ends, the first at 0, the last
/// at the end of the file.
struct SafeTensorsHeader: Equatable {
  /// One tensor's entry.
  struct Entry: Equatable {
    var name: String
    var dataType: SafeTensorsDataType
    var shape: [Int]
    /// Offsets into the data section.
    var begin: Int
    var end: Int
  }

  /// The entries, in data order.
  var entries: [Entry]
  /// The `__metadata__` entries.
  var metadata: [String: String]
  /// The offset of the data section from the start of the file (`8 + N`).
  var dataOffset: Int

  /// The header length `N` from the first 8 bytes, checked against the file size and the limit.
  static func headerLength(
    prefix: UnsafeRawBufferPointer, fileSize: Int
  ) throws(SafeTensorsError) -> Int {
    guard fileSize >= 8, prefix.count >= 8 else {
      throw .truncatedHeader(requiredBytes: 8, fileBytes: fileSize)
    }
    let length = UInt64(littleEndian: prefix.loadUnaligned(as: UInt64.self))
    guard length <= UInt64(SafeTensors.maximumHeaderLength) else {
      throw .headerTooLarge(length: length, limit: SafeTensors.maximumHeaderLength)
    }
    let headerLength = Int(length)
    guard headerLength <= fileSize - 8 else {
      throw .truncatedHeader(requiredBytes: 8 + headerLength, fileBytes: fileSize)
    }
    return headerLength
  }

  /// Parses and validates the header text against the file size.
  ///
  /// - Parameters:
  ///   - text: The `N` header bytes.
  ///   - fileSize: The size of the whole file.
  /// - Returns: The header, whose entries tile the data section exactly.
  /// - Throws: A format case of ``SafeTensorsError``.
  static func parse(
    _ text: UnsafeBufferPointer<UInt8>, fileSize: Int
  ) throws(SafeTensorsError) -> SafeTensorsHeader {
    guard String(validating: text, as: UTF8.self) != nil else { throw .invalidHeaderEncoding }
    let json: JSONValue
    do {
      json = try JSONParser.parse(text)
    } catch {
      throw .malformedHeader(reason: error.reason, offset: error.offset)
    }
    guard case .object(let members) = json else {
      throw .invalidHeader(reason: "the header is \(json.kind), not an object")
    }
    var entries: [Entry] = []
    var metadata: [String: String] = [:]
    for (name, value) in members {
      if name == SafeTensors.metadataKey {
        guard case .object(let pairs) = value else {
          throw .invalidHeader(reason: "__metadata__ is \(value.kind), not an object of strings")
        }
        for (key, text) in pairs {
          guard case .string(let string) = text else {
            throw .invalidHeader(
              reason: "__metadata__ entry \"\(key)\" is \(text.kind), not a string")
          }
          metadata[key] = string
        }
        continue
      }
      entries.append(try parseEntry(name: name, value))
    }

    let dataOffset = 8 + text.count
    entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var expected = 0
    for entry in entries {
      guard entry.begin == expected else {
        throw .invalidOffsets(
          tensor: entry.name, begin: entry.begin, end: entry.end, expectedBegin: expected)
      }
      expected = entry.end
    }
    let available = fileSize - dataOffset
    guard expected == available else {
      throw .dataSizeMismatch(expectedBytes: expected, actualBytes: available)
    }
    return SafeTensorsHeader(entries: entries, metadata: metadata, dataOffset: dataOffset)
  }

  /// One tensor's entry, its byte count checked against its offsets.
  private static func parseEntry(
    name: String, _ value: JSONValue
  ) throws(SafeTensorsError) -> Entry {
    guard case .object(let fields) = value else {
      throw .invalidHeader(reason: "tensor '\(name)' is described by \(value.kind), not an object")
    }
    func field(_ key: String) throws(SafeTensorsError) -> JSONValue {
      guard let value = fields.first(where: { $0.name == key })?.value else {
        throw .invalidHeader(reason: "tensor '\(name)' has no \"\(key)\"")
      }
      return value
    }
    guard case .string(let dtype) = try field("dtype") else {
      throw .invalidHeader(
        reason: "tensor '\(name)': \"dtype\" is \(try field("dtype").kind), not a string")
    }
    guard let dataType = SafeTensorsDataType(rawValue: dtype) else {
      throw .unsupportedDataType(tensor: name, dataType: dtype)
    }
    let shapeValue = try field("shape")
    guard case .array(let dimensions) = shapeValue else {
      throw .invalidHeader(
        reason: "tensor '\(name)': \"shape\" is \(shapeValue.kind), not a list of integers")
    }
    var shape: [Int] = []
    shape.reserveCapacity(dimensions.count)
    for dimension in dimensions {
      guard let value = dimension.nonNegativeInteger else {
        throw .invalidHeader(
          reason: "tensor '\(name)': shape entry \(dimension.kind) is not a non-negative integer "
            + "(or is too large)")
      }
      shape.append(value)
    }
    let offsetsValue = try field("data_offsets")
    guard case .array(let offsets) = offsetsValue, offsets.count == 2,
      let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger
    else {
      throw .invalidHeader(
        reason: "tensor '\(name)': \"data_offsets\" must be [begin, end], two non-negative "
          + "integers")
    }
    guard begin <= end else {
      throw .invalidHeader(
        reason: "tensor '\(name)': data_offsets [\(begin), \(end)] end before they begin")
    }
    // Every partial product must fit too (a zero dimension makes the total 0, but a tensor is
    // stored as d₀ × (d₁·…)), so the non-zero dimensions are multiplied.
    var bytes = dataType.itemSize
    for dimension in shape where dimension != 0 {
      let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
      guard !overflow else { throw .sizeOverflow(tensor: name, shape: shape) }
      bytes = product
    }
    if shape.contains(0) { bytes = 0 }
    guard bytes == end - begin else {
      throw .sizeMismatch(
        tensor: name, shape: shape, dataType: dataType, expectedBytes: bytes,
        declaredBytes: end - begin)
    }
    return Entry(name: name, dataType: dataType, shape: shape, begin: begin, end: end)
  }

  /// The header text this library writes: compact JSON, `__metadata__` first (keys sorted), then
  /// the tensors in order with consecutive offsets, padded with spaces to a multiple of 8 bytes
  /// so the data is 8-byte aligned (as the reference implementation pads it).
  static func encode(_ file: SafeTensorsFile) -> [UInt8] {
    var parts: [String] = []
    if !file.metadata.isEmpty {
      let pairs = file.metadata.sorted { $0.key < $1.key }.map {
        JSONWriter.quoted($0.key) + ":" + JSONWriter.quoted($0.value)
      }
      parts.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
    }
    var offset = 0
    for tensor in file.tensors {
      let bytes = tensor.shape.reduce(tensor.dataType.itemSize, *)
      parts.append(
        JSONWriter.quoted(tensor.name) + ":{\"dtype\":\"\(tensor.dataType.rawValue)\",\"shape\":["
          + tensor.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),"
          + "\(offset + bytes)]}")
      offset += bytes
    }
    var text = Array(("{" + parts.joined(separator: ",") + "}").utf8)
    text += repeatElement(UInt8(ascii: " "), count: (8 - text.count % 8) % 8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 + text.count)
    for shift in stride(from: 0, to: 64, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: text.count >> shift))
    }
    return bytes + text
  }
}
