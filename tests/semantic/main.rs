//! Semantic ranking with the real model (all-MiniLM-L6-v2 from
//! `scripts/fetch-model.sh`). Without the model directory these tests print
//! why and pass, except under `CI=true`, where they fail.

mod adapt;
mod cache;
mod encoder;
mod helpers;
mod hybrid;
mod reload;
