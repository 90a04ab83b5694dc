//! twincast-server
