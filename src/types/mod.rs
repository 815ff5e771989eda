//! Phase 3: static types (being written).
