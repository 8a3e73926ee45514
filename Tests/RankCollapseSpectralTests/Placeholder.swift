// Spectral tests
