//! Runs the phases in order for the command line (being written).
