// Declarations only; see include/CTLSHardening.h.
