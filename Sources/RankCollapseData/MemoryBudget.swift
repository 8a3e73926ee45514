import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The most memory a file reader may allocate for what it decodes.
///
/// Every reader of ``NumPy``, ``SafeTensors`` and ``IDX`` computes, from the declared shapes and
/// before allocating anything, how many bytes the decoded result (and any temporary buffer it
/// needs) will take, and refuses a file that needs more than ``limit`` with a typed error
/// (``NumPyError/exceedsMemoryBudget(bytes:budget:)``,
/// ``SafeTensorsError/exceedsMemoryBudget(bytes:budget:)``,
/// ``IDXError/exceedsMemoryBudget(bytes:budget:)``). A compressed file thus cannot make the
/// process allocate, or inflate into, more memory than it may really use.
///
/// By default the budget is ``systemLimit``: the smallest of the machine's physical memory, the
/// memory limit of the process's control group (cgroup v2 `memory.max` of its group and every
/// ancestor, or cgroup v1 `memory.limit_in_bytes`) and its address-space limit
/// (`getrlimit(RLIMIT_AS)`, the shell's `ulimit -v`). Set ``limit`` to choose another one (the
/// `rankcollapse` command's `--memory-budget` option does), and ``reset()`` to return to the
/// default:
///
/// ```swift
/// MemoryBudget.limit = 2 << 30  // refuse files that decode to more than 2 GiB
/// defer { MemoryBudget.reset() }
/// let weights = try SafeTensors.read(contentsOf: "model.safetensors")
/// ```
///
/// An allocation the budget allows but the system refuses anyway (the budget was set above what
/// is free) is also a typed error (`…allocationFailed(bytes:)`), not an abort: readers ask the
/// system for large buffers before building their result.
///
/// The setting is process-wide and safe to read and change from any thread.
public enum MemoryBudget {
  /// The value set through ``limit``; 0 when the default applies.
  private static let override = Atomic<Int>(0)

  /// The budget of the current task, set by ``withLimit(_:_:)``.
  @TaskLocal private static var scoped: Int?

  /// The budget in bytes that readers check decoded sizes against.
  ///
  /// Reading gives the budget of the innermost ``withLimit(_:_:)`` around the caller, else the
  /// value set last, else ``systemLimit`` (also after ``reset()``). Setting a value overrides the
  /// default for the whole process; it must be positive.
  public static var limit: Int {
    get {
      if let scoped { return scoped }
      let value = override.load(ordering: .relaxed)
      return value > 0 ? value : systemLimit
    }
    set {
      precondition(newValue > 0, "a memory budget must be positive, got \(newValue)")
      override.store(newValue, ordering: .relaxed)
    }
  }

  /// Runs `body` with another budget for the current task and the tasks it creates, leaving the
  /// process-wide ``limit`` of other tasks alone (tests running in parallel use this).
  ///
  /// - Parameters:
  ///   - bytes: The budget while `body` runs; it must be positive.
  ///   - body: The work.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws.
  @discardableResult
  public static func withLimit<R, E: Error>(
    _ bytes: Int, _ body: () throws(E) -> R
  ) throws(E) -> R {
    precondition(bytes > 0, "a memory budget must be positive, got \(bytes)")
    let result = $scoped.withValue(bytes) { Result { () throws(E) in try body() } }
    return try result.get()
  }

  /// Restores the default budget, ``systemLimit``.
  public static func reset() {
    override.store(0, ordering: .relaxed)
  }

  /// The default budget: the smallest of ``SystemMemory/physical``,
  /// ``SystemMemory/controlGroup`` and ``SystemMemory/addressSpace`` (the limits that are set),
  /// read once per process.
  public static var systemLimit: Int { SystemMemory.current.smallest }

  /// The memory limits of the machine and the process, as the operating system reports them.
  public struct SystemMemory: Sendable, Equatable {
    /// The machine's physical memory in bytes (`sysconf(_SC_PHYS_PAGES) × page size`).
    public var physical: Int
    /// The smallest memory limit of the process's control group and its ancestors, in bytes;
    /// `nil` when no limit is set (`max`) or none can be read.
    public var controlGroup: Int?
    /// The soft address-space limit of the process (`RLIMIT_AS`), in bytes; `nil` when
    /// unlimited.
    public var addressSpace: Int?

    /// The smallest of the limits that are set.
    public var smallest: Int {
      [physical, controlGroup ?? .max, addressSpace ?? .max].min() ?? physical
    }

    /// The limits of this process, read once.
    public static let current = SystemMemory(
      physical: physicalMemory(), controlGroup: controlGroupLimit(),
      addressSpace: addressSpaceLimit())

    /// Creates a description of memory limits.
    ///
    /// - Parameters:
    ///   - physical: The physical memory in bytes.
    ///   - controlGroup: The control group's limit, if any.
    ///   - addressSpace: The address-space limit, if any.
    public init(physical: Int, controlGroup: Int?, addressSpace: Int?) {
      self.physical = physical
      self.controlGroup = controlGroup
      self.addressSpace = addressSpace
    }
  }

  /// Parses a byte count as a user writes it: a whole number with an optional binary unit
  /// `K`, `M`, `G` or `T` (also `KB`/`KiB`, … and lower case), such as `"512M"` or `"8GiB"`.
  ///
  /// - Parameter text: The text.
  /// - Returns: The number of bytes, or `nil` if the text is not a positive whole number of
  ///   bytes that fits in `Int`.
  public static func byteCount(parsing text: String) -> Int? {
    var digits = Substring(text)
    var unit = 1
    let suffixes: [(String, Int)] = [
      ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
      ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("tb", 1 << 40),
      ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40), ("b", 1),
    ]
    let lowered = text.lowercased()
    for (suffix, factor) in suffixes where lowered.hasSuffix(suffix) {
      digits = digits.dropLast(suffix.count)
      unit = factor
      break
    }
    guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let value = Int(digits), value > 0
    else { return nil }
    let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
    return overflow ? nil : bytes
  }

  /// A byte count for messages: `"1.5 GiB (1610612736 bytes)"`.
  static func describe(_ bytes: Int) -> String {
    let units: [(String, Double)] = [("TiB", 0x1p40), ("GiB", 0x1p30), ("MiB", 0x1p20)]
    for (name, size) in units where Double(bytes) >= size {
      let value = (Double(bytes) / size * 10).rounded() / 10
      return "\(value) \(name) (\(bytes) bytes)"
    }
    return "\(bytes) bytes"
  }

  // MARK: Checking

  /// Why memory for a decoded result cannot be had.
  enum Failure: Error, Equatable {
    /// More than the budget.
    case exceedsBudget(bytes: Int, budget: Int)
    /// The system refused the allocation.
    case allocationFailed(bytes: Int)
  }

  /// Allocations from this size up are tried before a reader builds its result.
  static let probeThreshold = 16 << 20

  /// Checks that `bytes` of decoded data fit the budget and that the system grants them.
  ///
  /// - Parameter bytes: The bytes a reader is about to allocate at once (result and temporary
  ///   buffers together).
  /// - Throws: ``Failure``.
  static func check(_ bytes: Int) throws(Failure) {
    let budget = limit
    guard bytes <= budget else { throw .exceedsBudget(bytes: bytes, budget: budget) }
    guard bytes >= probeThreshold else { return }
    // Asking for the memory (without touching it) is cheap; a refusal here is a typed error,
    // where the same refusal inside the Swift runtime would abort the process.
    guard let probe = malloc(bytes) else { throw .allocationFailed(bytes: bytes) }
    free(probe)
  }

  /// Allocates a raw buffer, or throws instead of aborting when the system refuses.
  static func allocate(byteCount: Int) throws(Failure) -> UnsafeMutableRawBufferPointer {
    try check(byteCount)
    guard let base = malloc(max(byteCount, 1)) else {
      throw .allocationFailed(bytes: byteCount)
    }
    return UnsafeMutableRawBufferPointer(start: base, count: byteCount)
  }

  /// Frees a buffer from ``allocate(byteCount:)``.
  static func deallocate(_ buffer: UnsafeMutableRawBufferPointer) {
    free(buffer.baseAddress)
  }

  // MARK: System limits

  private static func physicalMemory() -> Int {
    let pages = sysconf(Int32(_SC_PHYS_PAGES))
    let size = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, size > 0 else { return .max }
    return pages.multipliedReportingOverflow(by: size).overflow ? .max : pages * size
  }

  private static func addressSpaceLimit() -> Int? {
    var limit = rlimit()
    #if os(Linux)
    let resource = __rlimit_resource_t(RLIMIT_AS.rawValue)
    #else
    let resource = RLIMIT_AS
    #endif
    // RLIM_INFINITY is all ones; any value past Int.max means no limit this process can reach.
    guard getrlimit(resource, &limit) == 0, limit.rlim_cur <= rlim_t(Int.max) else { return nil }
    return Int(limit.rlim_cur)
  }

  /// The smallest limit of the process's cgroup (v2: the group and its ancestors; v1: the
  /// memory controller's group), `nil` if none is set or readable.
  private static func controlGroupLimit() -> Int? {
    guard let membership = smallFile("/proc/self/cgroup") else { return nil }
    var limits: [Int] = []
    for line in membership.split(separator: "\n") {
      let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard fields.count == 3 else { continue }
      let group = fields[2].hasPrefix("/") ? String(fields[2]) : "/" + fields[2]
      if fields[0] == "0" && fields[1].isEmpty {
        // cgroup v2: every ancestor's memory.max limits the group too.
        var folder = group
        while true {
          let base = folder == "/" ? "/sys/fs/cgroup" : "/sys/fs/cgroup" + folder
          if let value = limitValue(smallFile(base + "/memory.max")) { limits.append(value) }
          guard folder != "/", let slash = folder.lastIndex(of: "/") else { break }
          folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
        }
      } else if fields[1].split(separator: ",").contains("memory") {
        for base in ["/sys/fs/cgroup/memory" + group, "/sys/fs/cgroup/memory"] {
          if let value = limitValue(smallFile(base + "/memory.limit_in_bytes")) {
            limits.append(value)
          }
        }
      }
    }
    return limits.min()
  }

  /// A cgroup limit file's value, `nil` for `max` (no limit).
  ///
  /// cgroup v1 reports "no limit" as a huge multiple of the page size, which is treated as none.
  private static func limitValue(_ text: String?) -> Int? {
    guard let text else { return nil }
    let trimmed = text.trimmingSuffix { $0 == "\n" || $0 == " " }
    guard let value = Int(trimmed), value > 0, value < 1 << 60 else { return nil }
    return value
  }

  /// The contents of a small text file (`/proc`, `/sys`), `nil` if it cannot be read.
  private static func smallFile(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { _ = close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 1 << 16 {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

extension String {
  /// The text without the trailing characters that satisfy `predicate`.
  fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
    var end = endIndex
    while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
    return self[startIndex..<end]
  }
}

extension MemoryBudget {
  /// The sentence every format's error prints when a file needs more than the budget.
  static func exceededMessage(bytes: Int, budget: Int) -> String {
    "decoding needs \(describe(bytes)), more than the memory budget of \(describe(budget)) "
      + "(the smallest of physical memory, the cgroup limit and ulimit -v unless set; "
      + "raise it with MemoryBudget.limit or rankcollapse's --memory-budget if the memory is there)"
  }

  /// The sentence every format's error prints when the system refuses an allocation.
  static func allocationMessage(bytes: Int) -> String {
    "the system refused to allocate \(describe(bytes)) for the decoded data (out of memory)"
  }
}
