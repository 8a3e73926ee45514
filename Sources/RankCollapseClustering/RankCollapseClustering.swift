// RankCollapseClustering: filled by a later issue (see DESIGN.md for what belongs here).
