/// A JSON value (RFC 8259), as the safetensors header uses it.
///
/// Numbers keep their text, so a caller decides how to read them (safetensors needs exact
/// non-negative integers, which a `Double` would round past 2^53). Objects keep their members in
/// source order; duplicate names are a syntax error.
indirect enum JSONValue: Equatable {
  case object([(name: String, value: JSONValue)])
  case array([JSONValue])
  case string(String)
  case number(String)
  case boolean(Bool)
  case null

  static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.object(let a), .object(let b)):
      a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    case (.array(let a), .array(let b)): a == b
    case (.string(let a), .string(let b)): a == b
    case (.number(let a), .number(let b)): a == b
    case (.boolean(let a), .boolean(let b)): a == b
    case (.null, .null): true
    default: false
    }
  }

  /// A short description of the kind of value, for error messages.
  var kind: String {
    switch self {
    case .object: "an object"
    case .array: "an array"
    case .string: "a string"
    case .number(let text): "the number \(text)"
    case .boolean(let value): value ? "true" : "false"
    case .null: "null"
    }
  }

  /// The value of a JSON integer without sign, fraction or exponent that fits in `Int`.
  var nonNegativeInteger: Int? {
    guard case .number(let text) = self, !text.isEmpty,
      text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    return Int(text)
  }
}

/// Why JSON text could not be parsed: what was expected and the byte offset where.
struct JSONSyntaxError: Error, Equatable {
  var reason: String
  var offset: Int
}

/// A strict, non-recursive-in-depth-beyond-a-limit JSON parser over UTF-8 bytes.
struct JSONParser {
  /// Nesting deeper than this is an error (the safetensors header needs depth 3).
  static let maximumDepth = 64

  private let bytes: UnsafeBufferPointer<UInt8>
  private var position = 0

  private init(_ bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
  }

  /// Parses one JSON value surrounded by optional whitespace; the bytes must be valid UTF-8.
  static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else {
      throw parser.error("unexpected \(parser.describeCurrent()) after the end of the value")
    }
    return value
  }

  private func error(_ reason: String) -> JSONSyntaxError {
    JSONSyntaxError(reason: reason, offset: position)
  }

  private func describeCurrent() -> String {
    guard position < bytes.count else { return "end of text" }
    let byte = bytes[position]
    return byte >= 0x20 && byte < 0x7F
      ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
  }

  private mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  private mutating func expect(_ literal: String) throws(JSONSyntaxError) {
    for byte in literal.utf8 {
      guard position < bytes.count, bytes[position] == byte else {
        throw error("expected '\(literal)'")
      }
      position += 1
    }
  }

  private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    guard depth <= Self.maximumDepth else {
      throw error("nesting deeper than \(Self.maximumDepth) levels")
    }
    guard position < bytes.count else { throw error("expected a value, found the end of text") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try expect("true")
      return .boolean(true)
    case UInt8(ascii: "f"):
      try expect("false")
      return .boolean(false)
    case UInt8(ascii: "n"):
      try expect("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return .number(try parseNumber())
    default:
      throw error("expected a value, found \(describeCurrent())")
    }
  }

  private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    position += 1  // {
    var members: [(name: String, value: JSONValue)] = []
    var names = Set<String>()
    skipWhitespace()
    if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
        throw error("expected a member name in quotes, found \(describeCurrent())")
      }
      let nameOffset = position
      let name = try parseString()
      guard names.insert(name).inserted else {
        throw JSONSyntaxError(reason: "duplicate member name \"\(name)\"", offset: nameOffset)
      }
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
        throw error("expected ':' after a member name, found \(describeCurrent())")
      }
      position += 1
      skipWhitespace()
      members.append((name, try parseValue(depth: depth + 1)))
      skipWhitespace()
      guard position < bytes.count else { throw error("expected ',' or '}', found end of text") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
      } else if bytes[position] == UInt8(ascii: "}") {
        position += 1
        return .object(members)
      } else {
        throw error("expected ',' or '}', found \(describeCurrent())")
      }
    }
  }

  private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    position += 1  // [
    var elements: [JSONValue] = []
    skipWhitespace()
    if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard position < bytes.count else { throw error("expected ',' or ']', found end of text") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
      } else if bytes[position] == UInt8(ascii: "]") {
        position += 1
        return .array(elements)
      } else {
        throw error("expected ',' or ']', found \(describeCurrent())")
      }
    }
  }

  private mutating func parseNumber() throws(JSONSyntaxError) -> String {
    let start = position
    func digits(_ parser: inout JSONParser) -> Int {
      let from = parser.position
      while parser.position < parser.bytes.count,
        parser.bytes[parser.position] >= UInt8(ascii: "0"),
        parser.bytes[parser.position] <= UInt8(ascii: "9")
      {
        parser.position += 1
      }
      return parser.position - from
    }
    if bytes[position] == UInt8(ascii: "-") { position += 1 }
    let integerStart = position
    let integerDigits = digits(&self)
    guard integerDigits > 0 else { throw error("expected digits in a number") }
    if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") {
      throw JSONSyntaxError(reason: "numbers may not have leading zeros", offset: integerStart)
    }
    if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
      position += 1
      guard digits(&self) > 0 else { throw error("expected digits after '.'") }
    }
    if position < bytes.count && (bytes[position] | 0x20) == UInt8(ascii: "e") {
      position += 1
      if position < bytes.count
        && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-"))
      {
        position += 1
      }
      guard digits(&self) > 0 else { throw error("expected digits in an exponent") }
    }
    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
  }

  private mutating func parseString() throws(JSONSyntaxError) -> String {
    position += 1  // opening quote
    var scalars = String.UnicodeScalarView()
    var runStart = position
    func flushRun(_ parser: JSONParser, upTo end: Int, into scalars: inout String.UnicodeScalarView)
    {
      if end > runStart {
        scalars.append(
          contentsOf: String(
            decoding: UnsafeBufferPointer(rebasing: parser.bytes[runStart..<end]), as: UTF8.self
          ).unicodeScalars)
      }
    }
    while true {
      guard position < bytes.count else { throw error("unterminated string") }
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        defer { position += 1 }
        if scalars.isEmpty {
          // No escape so far (the usual case): the run is the whole string, decoded at once.
          return String(
            decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<position]), as: UTF8.self)
        }
        flushRun(self, upTo: position, into: &scalars)
        return String(scalars)
      }
      if byte < 0x20 {
        throw error("control character 0x\(String(byte, radix: 16)) inside a string")
      }
      if byte != UInt8(ascii: "\\") {
        position += 1
        continue
      }
      flushRun(self, upTo: position, into: &scalars)
      position += 1
      guard position < bytes.count else { throw error("unterminated escape") }
      let escape = bytes[position]
      position += 1
      switch escape {
      case UInt8(ascii: "\""): scalars.append("\"")
      case UInt8(ascii: "\\"): scalars.append("\\")
      case UInt8(ascii: "/"): scalars.append("/")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "u"):
        let first = try parseHex4()
        var value = UInt32(first)
        if (0xD800..<0xDC00).contains(first) {
          // A high surrogate must be followed by an escaped low surrogate.
          guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
            bytes[position + 1] == UInt8(ascii: "u")
          else { throw error("unpaired surrogate \\u\(String(first, radix: 16))") }
          position += 2
          let second = try parseHex4()
          guard (0xDC00..<0xE000).contains(second) else {
            throw error("unpaired surrogate \\u\(String(first, radix: 16))")
          }
          value = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
        } else if (0xDC00..<0xE000).contains(first) {
          throw error("unpaired surrogate \\u\(String(first, radix: 16))")
        }
        guard let scalar = Unicode.Scalar(value) else { throw error("invalid \\u escape") }
        scalars.append(scalar)
      default:
        throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
      }
      runStart = position
    }
  }

  private mutating func parseHex4() throws(JSONSyntaxError) -> UInt16 {
    guard bytes.count - position >= 4 else { throw error("expected four hex digits after \\u") }
    var value: UInt16 = 0
    for _ in 0..<4 {
      let byte = bytes[position]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw error("expected four hex digits after \\u")
      }
      value = value << 4 | UInt16(digit)
      position += 1
    }
    return value
  }
}

/// Writes JSON text.
enum JSONWriter {
  /// A JSON string literal for `text`: quotes, backslashes and control characters escaped,
  /// everything else as UTF-8.
  static func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
