# Every external dependency comes from a Debian -dev package and is found
# through pkg-config as an imported target (PkgConfig::<name>). Modules link
# only the ones they use; the rtp/ module links none.
find_package(PkgConfig REQUIRED)

pkg_check_modules(SRTP2   REQUIRED IMPORTED_TARGET libsrtp2)
pkg_check_modules(CRYPTO  REQUIRED IMPORTED_TARGET libcrypto>=3.0)
pkg_check_modules(PCAP    REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(VPX     REQUIRED IMPORTED_TARGET vpx)
pkg_check_modules(OPUS    REQUIRED IMPORTED_TARGET opus)
pkg_check_modules(CHECK   REQUIRED IMPORTED_TARGET check)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
