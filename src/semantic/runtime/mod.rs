//! The model runtime: the encoders as they run in-process on candle. The
//! BERT encoder ([`bert`], [`encoder`]) and its layers ([`dense`], one
//! query's products in [`kernel`]), weights read per tensor ([`weights`])
//! and Unigram vocabularies held compactly ([`pieces`]); the companion
//! ([`use_lite`], [`companion`]) and the multilingual encoder
//! ([`multilingual`]). Nothing here knows a FAQ.

pub(super) mod bert;
pub(super) mod companion;
pub(super) mod dense;
pub(super) mod encoder;
mod kernel;
pub(super) mod multilingual;
pub(super) mod pieces;
pub(super) mod use_lite;
pub(super) mod weights;

/// Hands back to the system the memory the allocator holds free. glibc
/// returns free memory at the top of a heap by itself, but not free pages
/// below memory still in use, and a first build allocates and frees large
/// tensors in several arenas at once: without this, a bot settled more
/// than a hundred megabytes higher after its first start, holding most of
/// the build's high-water mark. With glibc only; elsewhere a no-op. Not
/// for per-query use: it locks each arena in turn.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own
    // arenas to the system; it touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}
