//! Integration tests of `twincast-search`: one binary, a module per concern.

mod fixtures;
mod golden;
mod index;
mod props;
