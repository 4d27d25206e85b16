//! The model runtime: the encoders as they run in-process on candle. The
//! BERT encoder ([`bert`], [`encoder`]) and its layers ([`dense`]), weights
//! read per tensor ([`weights`]) and a vocabulary narrowed to the scripts
//! served ([`vocabulary`]); the companion ([`use_lite`], [`companion`]) and
//! the multilingual encoder ([`multilingual`]). Nothing here knows a FAQ.

pub(super) mod bert;
pub(super) mod companion;
pub(super) mod dense;
pub(super) mod encoder;
pub(super) mod multilingual;
pub(super) mod use_lite;
pub(super) mod vocabulary;
pub(super) mod weights;
