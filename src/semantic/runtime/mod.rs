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

/// Hands memory freed by the allocator back to the system. glibc keeps
/// what a thread's arena freed for that thread's next allocations, and a
/// first build allocates and frees large tensors on several threads:
/// without this, the resident size of a first start grew by more than
/// a hundred megabytes of memory no longer in use. Elsewhere a no-op.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own
    // arenas to the system; it touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}
