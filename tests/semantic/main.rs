//! Semantic ranking with the real models (all-MiniLM-L6-v2 and the
//! Universal Sentence Encoder lite companion from `scripts/fetch-model.sh`;
//! multilingual-e5-small from `FRONTLINE_MULTILINGUAL_DIR`). Without the model directory these tests print
//! why and pass, except under `CI=true`, where they fail.

mod adapt;
mod cache;
mod companion;
mod encoder;
mod helpers;
mod hybrid;
mod multilingual;
mod reload;
