// Training strategies built on the paper's theory.
import RankCollapseBounds
import RankCollapseNetwork

/// Namespace of training strategies built on the paper's theory (centroid warm-up).
public enum TrainingStrategies {}
