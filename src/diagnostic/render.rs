//! Renders diagnostics (being written).
