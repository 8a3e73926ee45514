// The umbrella module: `import RankCollapse` brings in every library module.
@_exported import RankCollapseBounds
@_exported import RankCollapseClustering
@_exported import RankCollapseCompression
@_exported import RankCollapseData
@_exported import RankCollapseNetwork
@_exported import RankCollapseRegularization
@_exported import RankCollapseSpectral
@_exported import RankCollapseTensor
@_exported import RankCollapseTraining
