//! twincast-core
