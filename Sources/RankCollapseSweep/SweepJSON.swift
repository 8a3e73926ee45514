import RankCollapseTensor

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A decoded JSON value, for comparing a stored sidecar with the requested hyperparameters.
indirect enum JSONTree: Codable, Equatable, CustomStringConvertible {
  case null
  case boolean(Bool)
  case number(Double)
  case string(String)
  case array([JSONTree])
  case object([String: JSONTree])

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .boolean(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONTree].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONTree].self))
    }
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .boolean(let value): try container.encode(value)
    case .number(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// Compact JSON-like text for messages.
  var description: String {
    switch self {
    case .null: "null"
    case .boolean(let value): value ? "true" : "false"
    case .number(let value): SweepValue.format(value)
    case .string(let value): "\"\(value)\""
    case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
    case .object(let members):
      "{"
        + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }
        .joined(separator: ", ") + "}"
    }
  }
}

extension SweepValue: Codable {
  /// Decodes a JSON number, string, boolean or array (integers that fit become ``integer(_:)``).
  ///
  /// - Parameter decoder: The decoder.
  /// - Throws: `DecodingError` for objects and nulls.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let value = try? container.decode(Bool.self) {
      self = .boolean(value)
    } else if let value = try? container.decode(Int.self) {
      self = .integer(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .text(value)
    } else {
      self = .list(try container.decode([SweepValue].self))
    }
  }

  /// Encodes the value as JSON: numbers as numbers (non-finite ones as the strings `"nan"`,
  /// `"inf"`, `"-inf"`), lists as arrays.
  ///
  /// - Parameter encoder: The encoder.
  /// - Throws: The encoder's errors.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .number(let value):
      if value.isFinite { try container.encode(value) } else { try container.encode(description) }
    case .integer(let value): try container.encode(value)
    case .text(let value): try container.encode(value)
    case .boolean(let value): try container.encode(value)
    case .list(let values): try container.encode(values)
    }
  }
}

/// JSON encoding and decoding with the sweep files' settings.
package enum SweepJSON {
  /// Why a sweep file did not decode.
  package struct DecodingFailure: Error {
    package var reason: String
    /// The decoder's error.
    package var cause: UnderlyingError
  }

  package static func encode(_ value: some Encodable) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    // Every value written here is encodable (non-finite numbers become strings first).
    guard let data = try? encoder.encode(value) else {
      preconditionFailure("SweepJSON: a sweep value failed to encode")
    }
    return Array(data) + [0x0A]
  }

  package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> Result<
    T, DecodingFailure
  > {
    do {
      return .success(try JSONDecoder().decode(type, from: Data(bytes)))
    } catch let error as DecodingError {
      return .failure(DecodingFailure(reason: describe(error), cause: UnderlyingError(error)))
    } catch {
      return .failure(DecodingFailure(reason: "\(error)", cause: UnderlyingError(error)))
    }
  }

  private static func describe(_ error: DecodingError) -> String {
    switch error {
    case .dataCorrupted(let context):
      return "not valid JSON" + location(context)
    case .keyNotFound(let key, let context):
      return "missing \"\(key.stringValue)\"" + location(context)
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "unexpected value" + location(context)
    @unknown default:
      return "\(error)"
    }
  }

  private static func location(_ context: DecodingError.Context) -> String {
    let path = context.codingPath.map(\.stringValue).joined(separator: ".")
    return path.isEmpty ? "" : " at \(path)"
  }

  /// FNV-1a (64 bit) of `bytes` as 16 hex digits: a stable fingerprint across processes.
  package static func fingerprint(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}
