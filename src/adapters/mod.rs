//! Adapters: platforms translated to engine events and actions.
