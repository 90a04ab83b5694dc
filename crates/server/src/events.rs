//! The change events screens may need to hear about are the application layer's: see [`twincast_app::events`].

pub use twincast_app::events::*;
