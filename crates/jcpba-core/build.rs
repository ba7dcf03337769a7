//! Enables the AVX-512 kernels (cfg `jcpba_avx512`) when the compiler has stable AVX-512
//! intrinsics (Rust 1.89 and later). The WASM build's rustc 1.63 has not: there the crate
//! compiles without them, and x86-64 builds with an older compiler stop at AVX2.

use std::env;
use std::process::Command;

/// The minor version of `<tool> --version` ("rustc 1.95.0 (...)", "cargo 1.65.0 ..."), if 1.x.
fn minor_version(tool: &str) -> Option<u32> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.split_whitespace().nth(1)?;
    let mut parts = version.split('.');
    if parts.next()? != "1" {
        return None;
    }
    parts.next()?.parse().ok()
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Declaring the cfg is understood from cargo 1.80; older cargo would warn about it.
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    if minor_version(&cargo).map_or(false, |m| m >= 80) {
        println!("cargo:rustc-check-cfg=cfg(jcpba_avx512)");
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    if minor_version(&rustc).map_or(false, |m| m >= 89) {
        println!("cargo:rustc-cfg=jcpba_avx512");
    }
}
