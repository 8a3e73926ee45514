import RankCollapseTensor

/// Reading and writing NumPy `.npy` files.
///
/// A `.npy` file (NumPy's `numpy.lib.format`, NEP 1) is:
///
/// 1. the magic string `\x93NUMPY` and two bytes of format version, major then minor;
/// 2. the header length `HEADER_LEN`, a little-endian `UInt16` in format 1.0 and a little-endian
///    `UInt32` in formats 2.0 and 3.0;
/// 3. `HEADER_LEN` bytes of header: the text of a Python dict literal with exactly the keys
///    `'descr'` (the dtype, such as `'<f4'`), `'fortran_order'` (`True` when the data is stored
///    column by column) and `'shape'` (a tuple of integers), padded with spaces and ending in
///    `'\n'`; Latin-1 text in formats 1.0 and 2.0, UTF-8 in format 3.0;
/// 4. the elements, `product(shape) × itemsize` bytes, nothing after them.
///
/// RankCollapse reads formats 1.0, 2.0 and 3.0 with `descr` `'<f4'`, `'>f4'`, `'<f8'` or `'>f8'`,
/// C or Fortran order, and one or two dimensions (zero-sized ones included). It parses the header
/// itself, strictly, and treats every byte as hostile: sizes are checked against the file before
/// anything is allocated, and every problem is a ``NumPyError``.
///
/// Within the header, keys may come in any order, whitespace and a trailing comma are allowed, a
/// one-element shape is written `(5,)`, the final `'\n'` may be missing, and format 1.0 and 2.0
/// headers may carry Python 2's `L` suffix on integers (`(3L, 4L)`). Missing, unknown and
/// duplicate keys are errors. The native-order spellings `'f4'`, `'=f4'` and `'|f4'` (and their
/// `f8` forms) are rejected: NumPy never writes them for multi-byte types, and they would make a
/// file's meaning depend on the machine that reads it.
///
/// It writes what `np.save` writes for a C-ordered little-endian array: format 1.0, `'<f4'` or
/// `'<f8'`, `fortran_order: False`, and a header padded so the data starts at a multiple of 64
/// bytes.
public enum NumPy {
  /// The longest header RankCollapse reads, in bytes.
  ///
  /// A header RankCollapse accepts needs about 128 bytes; NumPy itself refuses headers longer than
  /// 10 000 characters unless told to trust the file. The limit keeps a hostile file from making
  /// the reader allocate and parse an arbitrarily long header.
  public static let maximumHeaderLength = 65_536

  /// Decodes the bytes of a `.npy` file.
  ///
  /// The elements are copied once into the result (byte-swapped if the file is big-endian,
  /// transposed if it is in Fortran order).
  ///
  /// - Parameter bytes: The whole file.
  /// - Returns: The array, in C order and the machine's byte order.
  /// - Throws: A ``NumPyError`` format case naming the first problem found.
  /// - Complexity: O(`bytes.count`).
  public static func decode(_ bytes: [UInt8]) throws(NumPyError) -> NumPyArray {
    try bytes.withUnsafeBufferPointer { buffer throws(NumPyError) in
      try decode(UnsafeRawBufferPointer(buffer))
    }
  }

  /// Decodes the bytes of a `.npy` file from any collection of bytes, such as `Data` or a slice.
  ///
  /// - Parameter bytes: The whole file.
  /// - Returns: The array, in C order and the machine's byte order.
  /// - Throws: A ``NumPyError`` format case naming the first problem found.
  /// - Complexity: O(`bytes.count`); a collection without contiguous storage is copied first.
  public static func decode(_ bytes: some Collection<UInt8>) throws(NumPyError) -> NumPyArray {
    let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
      Result { () throws(NumPyError) in try decode(UnsafeRawBufferPointer(buffer)) }
    }
    if let contiguous { return try contiguous.get() }
    return try decode(Array(bytes))
  }

  /// Decodes the bytes of a `.npy` file in memory the caller manages (a memory-mapped file, say).
  ///
  /// - Parameter bytes: The whole file.
  /// - Returns: The array, in C order and the machine's byte order. It does not refer to `bytes`.
  /// - Throws: A ``NumPyError`` format case naming the first problem found.
  /// - Complexity: O(`bytes.count`).
  public static func decode(_ bytes: UnsafeRawBufferPointer) throws(NumPyError) -> NumPyArray {
    let preamble = try NumPyPreamble.parse(
      prefix: UnsafeRawBufferPointer(rebasing: bytes.prefix(NumPyPreamble.maximumLength)),
      fileSize: bytes.count)
    let headerBytes = UnsafeRawBufferPointer(
      rebasing: bytes[preamble.headerOffset..<preamble.dataOffset])
    let header = try NumPyHeader.parse(
      headerBytes.assumingMemoryBound(to: UInt8.self), majorVersion: preamble.majorVersion)
    try header.checkPayload(availableBytes: bytes.count - preamble.dataOffset)
    return try makeArray(
      header: header, payload: UnsafeRawBufferPointer(rebasing: bytes[preamble.dataOffset...]))
  }

  /// Encodes an array as the bytes of a `.npy` file.
  ///
  /// The result is what NumPy's `np.save` writes for the same C-ordered little-endian array:
  /// format 1.0 (2.0 only if the header did not fit a 16-bit length, which a 1-D or 2-D header
  /// never needs), `descr` `'<f4'` or `'<f8'`, `fortran_order: False`, and the header padded with
  /// spaces and a `'\n'` so that the data starts at a multiple of 64 bytes.
  ///
  /// - Parameter array: The array to encode.
  /// - Returns: The whole file.
  /// - Complexity: O(`array.count`).
  public static func encode(_ array: NumPyArray) -> [UInt8] {
    let header = NumPyHeader.encode(shape: array.shape, dataType: array.dataType)
    return withLittleEndianPayload(of: array) { payload in
      [UInt8](unsafeUninitializedCapacity: header.count + payload.count) { buffer, count in
        let raw = UnsafeMutableRawBufferPointer(buffer)
        raw.copyBytes(from: header)
        UnsafeMutableRawBufferPointer(rebasing: raw[header.count...]).copyMemory(from: payload)
        count = header.count + payload.count
      }
    }
  }
}
