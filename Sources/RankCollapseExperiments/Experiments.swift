// The paper's experiments as library code, shared by `rankcollapse demo` and Examples/.
import RankCollapse
import RankCollapsePlots

/// Namespace of the paper's experiments (Figures 1–5) and the machinery they share.
public enum Experiments {}
