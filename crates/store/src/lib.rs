//! twincast-store
