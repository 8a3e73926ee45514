import COpenBLAS

/// Settings of the BLAS library underneath (OpenBLAS).
public enum BLAS {
  /// The number of threads OpenBLAS uses for one call.
  ///
  /// OpenBLAS starts with one thread per core, or with the `OPENBLAS_NUM_THREADS` environment
  /// variable. Results can differ in the last bits between thread counts; for reproducible runs
  /// fix the count. Setting it affects the whole process.
  public static var threadCount: Int {
    get { Int(openblas_get_num_threads()) }
    set {
      precondition(newValue >= 1, "BLAS thread count must be at least 1, got \(newValue)")
      openblas_set_num_threads(Int32(newValue))
    }
  }

  /// The name of the compute kernel OpenBLAS chose for this processor, such as `"Haswell"`.
  public static var coreName: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }
}
