//! Phase 4: evaluation (being written).
