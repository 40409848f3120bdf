# Sourced by test.sh and bundle-windows.sh: Rust for Windows from this
# Debian machine. rustup's servers are out of reach, so there is no
# prebuilt Windows standard library; Debian's rustc-web ships its source,
# and -Zbuild-std (RUSTC_BOOTSTRAP=1 on a stable compiler) builds it for
# x86_64-pc-windows-gnu, linked by mingw-w64. Debian's toolchain is called
# by its full path, so the machine's own (rustup's, first on PATH) stays
# what every other step uses; its output goes to target/windows/.

# Debian's Rust for the Windows target, and the cross C toolchain that
# build scripts call (Tauri's resource compiler: x86_64-w64-mingw32-windres).
WINDOWS_PACKAGES=(rustc-web cargo-web rust-web-src rust-web-clippy mingw-w64)

WINDOWS_TARGET=x86_64-pc-windows-gnu

# Runs Debian's cargo for the Windows target: windows_cargo clippy -p x ...
windows_cargo() {
    local command=$1
    shift
    # PATH: cargo finds its clippy-driver and the mingw tools there.
    PATH=/usr/bin:$PATH \
        RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_DIR="$PWD/target/windows" \
        CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
        CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
        /usr/bin/cargo "$command" --target "$WINDOWS_TARGET" "$@"
}
