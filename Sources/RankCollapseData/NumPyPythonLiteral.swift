/// A value of the small subset of Python literal syntax a `.npy` header may use.
///
/// The NPY header is "the ASCII string representation of a Python literal expression" (NumPy's
/// `numpy.lib.format` specification), produced by `repr` and read back by `ast.literal_eval`.
/// This parser accepts what `repr` writes for a header and a little more, so that it can give
/// precise errors for values that are wrong rather than merely unparseable: strings, decimal
/// integers (negative ones too, and, in format 1.0 and 2.0 headers, with Python 2's `L` suffix),
/// `True`, `False`, `None`, tuples, lists and dicts. It rejects everything else (escapes, floats,
/// comments, expressions) as a syntax error.
enum NumPyPythonLiteral: Equatable {
  /// A string literal (without escapes).
  case string(String)
  /// A decimal integer literal; the value is `nil` when it does not fit in `Int`. `text` is the
  /// literal as Python prints it (without any `L` suffix).
  case integer(Int?, text: String)
  /// `True` or `False`.
  case boolean(Bool)
  /// `None`.
  case none
  /// A tuple, `()`, `(x,)` or `(x, y, …)`.
  case tuple([NumPyPythonLiteral])
  /// A list, `[x, y, …]`.
  case list([NumPyPythonLiteral])
  /// A dict, with its entries in source order (duplicates kept, for the caller to reject).
  case dictionary([DictionaryEntry])

  /// One `key: value` entry of a dict literal.
  struct DictionaryEntry: Equatable {
    /// The key.
    var key: NumPyPythonLiteral
    /// The value.
    var value: NumPyPythonLiteral
  }

  /// The value as Python's `repr` would print it (strings in single quotes).
  var pythonDescription: String {
    switch self {
    case .string(let value):
      return "'\(value)'"
    case .integer(_, let text):
      return text
    case .boolean(let value):
      return value ? "True" : "False"
    case .none:
      return "None"
    case .tuple(let elements):
      let inner = elements.map(\.pythonDescription).joined(separator: ", ")
      return elements.count == 1 ? "(\(inner),)" : "(\(inner))"
    case .list(let elements):
      return "[" + elements.map(\.pythonDescription).joined(separator: ", ") + "]"
    case .dictionary(let entries):
      let inner = entries.map { "\($0.key.pythonDescription): \($0.value.pythonDescription)" }
      return "{" + inner.joined(separator: ", ") + "}"
    }
  }

  /// Parses a whole header: one literal, surrounded by optional whitespace.
  ///
  /// - Parameters:
  ///   - bytes: The header bytes (Latin-1 for format 1.0 and 2.0, UTF-8 for 3.0).
  ///   - isUTF8: Whether string contents are UTF-8 (format 3.0) rather than Latin-1.
  ///   - allowsLongSuffix: Whether integers may carry Python 2's `L` suffix.
  /// - Returns: The literal.
  /// - Throws: ``NumPyError/malformedHeader(reason:)`` naming what is wrong and where.
  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, isUTF8: Bool, allowsLongSuffix: Bool
  ) throws(NumPyError) -> NumPyPythonLiteral {
    var parser = Parser(bytes: bytes, isUTF8: isUTF8, allowsLongSuffix: allowsLongSuffix)
    parser.skipWhitespace()
    guard parser.position < bytes.count else {
      throw .malformedHeader(reason: "the header is empty")
    }
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else {
      throw parser.error("unexpected \(parser.describeCurrent()) after the end of the dict")
    }
    return value
  }
}

/// A recursive-descent parser over the header bytes.
///
/// Every index is checked against the end.
private struct Parser {
  /// The deepest nesting of brackets accepted; a hostile header cannot exhaust the stack.
  static let maximumDepth = 16

  let bytes: UnsafeBufferPointer<UInt8>
  let isUTF8: Bool
  let allowsLongSuffix: Bool
  var position = 0

  init(bytes: UnsafeBufferPointer<UInt8>, isUTF8: Bool, allowsLongSuffix: Bool) {
    self.bytes = bytes
    self.isUTF8 = isUTF8
    self.allowsLongSuffix = allowsLongSuffix
  }

  /// The byte at the current position, or `nil` at the end.
  var current: UInt8? { position < bytes.count ? bytes[position] : nil }

  func error(_ message: String) -> NumPyError {
    .malformedHeader(reason: "\(message) at byte \(position)")
  }

  /// The current byte for an error message: `'x'`, `byte 0xE9`, or `the end of the header`.
  func describeCurrent() -> String {
    guard let byte = current else { return "the end of the header" }
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    let hex = String(byte, radix: 16, uppercase: true)
    return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
  }

  /// Skips the whitespace Python allows between tokens inside brackets.
  mutating func skipWhitespace() {
    while let byte = current,
      byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    {
      position += 1
    }
  }

  mutating func expect(_ byte: UInt8, _ what: String) throws(NumPyError) {
    skipWhitespace()
    guard current == byte else {
      throw error("expected \(what) but found \(describeCurrent())")
    }
    position += 1
  }

  mutating func parseValue(depth: Int) throws(NumPyError) -> NumPyPythonLiteral {
    guard depth < Parser.maximumDepth else {
      throw error("brackets are nested more than \(Parser.maximumDepth) deep")
    }
    skipWhitespace()
    guard let byte = current else {
      throw error("expected a value but found the end of the header")
    }
    switch byte {
    case UInt8(ascii: "{"):
      return try parseDictionary(depth: depth)
    case UInt8(ascii: "("):
      return try parseParenthesised(depth: depth)
    case UInt8(ascii: "["):
      position += 1
      return .list(try parseElements(closing: UInt8(ascii: "]"), depth: depth))
    case UInt8(ascii: "'"), UInt8(ascii: "\""):
      return .string(try parseString())
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try parseInteger()
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
      UInt8(ascii: "_"):
      return try parseName()
    default:
      throw error("unexpected \(describeCurrent())")
    }
  }

  /// `{ key: value, … }` with an optional trailing comma.
  mutating func parseDictionary(depth: Int) throws(NumPyError) -> NumPyPythonLiteral {
    position += 1  // "{"
    var entries: [NumPyPythonLiteral.DictionaryEntry] = []
    while true {
      skipWhitespace()
      if current == UInt8(ascii: "}") {
        position += 1
        return .dictionary(entries)
      }
      let key = try parseValue(depth: depth + 1)
      try expect(UInt8(ascii: ":"), "':' after the key \(key.pythonDescription)")
      let value = try parseValue(depth: depth + 1)
      entries.append(.init(key: key, value: value))
      skipWhitespace()
      if current == UInt8(ascii: ",") {
        position += 1
      } else if current != UInt8(ascii: "}") {
        throw error("expected ',' or '}' after a dict entry but found \(describeCurrent())")
      }
    }
  }

  /// `()`, `(x,)`, `(x, y, …)` (tuples) or `(x)` (just `x`, as in Python).
  mutating func parseParenthesised(depth: Int) throws(NumPyError) -> NumPyPythonLiteral {
    position += 1  // "("
    skipWhitespace()
    if current == UInt8(ascii: ")") {
      position += 1
      return .tuple([])
    }
    let first = try parseValue(depth: depth + 1)
    skipWhitespace()
    if current == UInt8(ascii: ")") {
      position += 1
      return first
    }
    try expect(UInt8(ascii: ","), "',' or ')' in parentheses")
    let rest = try parseElements(closing: UInt8(ascii: ")"), depth: depth)
    return .tuple([first] + rest)
  }

  /// Comma-separated values up to `closing`, with an optional trailing comma; the opening
  /// bracket (and, for tuples, the first element and its comma) has been consumed.
  mutating func parseElements(
    closing: UInt8, depth: Int
  ) throws(NumPyError) -> [NumPyPythonLiteral] {
    var elements: [NumPyPythonLiteral] = []
    while true {
      skipWhitespace()
      if current == closing {
        position += 1
        return elements
      }
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      if current == UInt8(ascii: ",") {
        position += 1
      } else if current != closing {
        let closer = Character(Unicode.Scalar(closing))
        throw error("expected ',' or '\(closer)' but found \(describeCurrent())")
      }
    }
  }

  /// A single- or double-quoted string on one line, without escapes.
  mutating func parseString() throws(NumPyError) -> String {
    let quote = bytes[position]
    position += 1
    let start = position
    while let byte = current, byte != quote {
      if byte == UInt8(ascii: "\\") {
        throw error("escape sequences in strings are not supported")
      }
      if byte == 0x0A || byte == 0x0D {
        throw error("a string literal runs past the end of its line")
      }
      position += 1
    }
    guard current == quote else {
      position = start - 1
      throw error("a string literal is never closed")
    }
    let content = UnsafeBufferPointer(rebasing: bytes[start..<position])
    position += 1
    if isUTF8 || content.allSatisfy({ $0 < 0x80 }) {
      // The caller has validated a UTF-8 header, and a quote is ASCII, so the content is valid
      // UTF-8 too; ASCII (every key and dtype NumPy writes) reads the same in Latin-1.
      return String(decoding: content, as: UTF8.self)
    }
    var text = ""
    text.unicodeScalars.append(contentsOf: content.lazy.map { Unicode.Scalar($0) })  // Latin-1
    return text
  }

  /// A decimal integer, optionally negative, optionally with an `L` suffix (Python 2).
  mutating func parseInteger() throws(NumPyError) -> NumPyPythonLiteral {
    let start = position
    let isNegative = current == UInt8(ascii: "-")
    if isNegative { position += 1 }
    let digitsStart = position
    var value: Int? = 0
    while let byte = current, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
      let digit = Int(byte &- UInt8(ascii: "0"))
      if let partial = value {
        let shifted = partial.multipliedReportingOverflow(by: 10)
        let next =
          isNegative
          ? shifted.partialValue.subtractingReportingOverflow(digit)
          : shifted.partialValue.addingReportingOverflow(digit)
        value = shifted.overflow || next.overflow ? nil : next.partialValue
      }
      position += 1
    }
    let digitCount = position - digitsStart
    guard digitCount > 0 else {
      throw error("expected digits after '-' but found \(describeCurrent())")
    }
    if digitCount > 1 && bytes[digitsStart] == UInt8(ascii: "0") && value != 0 {
      position = digitsStart
      throw error("integers with leading zeros are not valid Python")
    }
    let text = String(
      decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    if current == UInt8(ascii: "L") && allowsLongSuffix {
      position += 1
    }
    if let byte = current, Parser.isNameByte(byte) || byte == UInt8(ascii: ".") {
      throw error("unexpected \(describeCurrent()) in the number \(text)")
    }
    return .integer(value, text: text)
  }

  /// `True`, `False` or `None`.
  mutating func parseName() throws(NumPyError) -> NumPyPythonLiteral {
    let start = position
    while let byte = current, Parser.isNameByte(byte) { position += 1 }
    let name = String(
      decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    switch name {
    case "True": return .boolean(true)
    case "False": return .boolean(false)
    case "None": return .none
    default:
      position = start
      throw error("unexpected name '\(name)' (only True, False and None are literals)")
    }
  }

  static func isNameByte(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
  }
}
