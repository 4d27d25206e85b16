//! Training for one knowledge base when its index is built: the main
//! model's last layer adapted to the FAQ's texts ([`adapt`]) and a
//! classifier over their vectors ([`classifier`]). Both are kept on disk
//! under a hash of what they were trained on.

pub(super) mod adapt;
pub(super) mod classifier;
