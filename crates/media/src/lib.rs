//! twincast-media
