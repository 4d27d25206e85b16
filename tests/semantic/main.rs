//! Semantic ranking with the real models (all-MiniLM-L6-v2, the Universal
//! Sentence Encoder lite companion and multilingual-e5-small, as
//! `frontline models fetch` puts them). Without the model directory these tests print
//! why and pass, except under `CI=true`, where they fail.

mod adapt;
mod cache;
mod companion;
mod converted;
mod encoder;
mod helpers;
mod hybrid;
mod multilingual;
mod reload;
