// Low-rank compression of trained networks.
import RankCollapseNetwork
import RankCollapseSpectral

/// Namespace of low-rank compression of trained networks.
public enum Compression {}
